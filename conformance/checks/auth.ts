/**
 * The authorization check (T-SEC-06) against a server that requires a token: a request without one gets
 * 401 with a parseable Bearer `WWW-Authenticate` challenge naming `resource_metadata` (RFC 9728 §5.1), and
 * the protected-resource metadata it names (or the well-known URI) is reachable and consistent: `resource`
 * is this endpoint (or an origin/path prefix of it) and `authorization_servers` lists at least one URL.
 * Given a token that lacks a scope (`--low-scope-token`), its second half: the first of `initialize`,
 * `tools/list`, `resources/list`, `prompts/list` the server refuses gets 403 with
 * `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` (never 401: the token is valid).
 *
 * @module
 */
import { type Context, describe, initializeRequest, type Reply, rpc, SkipError } from "../context.ts";
import type { Check, Outcome } from "../types.ts";
import { FROM_2025_06 } from "./_helpers.ts";

/** A parsed `WWW-Authenticate` challenge: its scheme and auth-params (quoted values unquoted). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses the first challenge of a `WWW-Authenticate` value (RFC 9110 §11.6.1): `Scheme k=v, k="v", …`.
 *
 * @returns The challenge, or `undefined` when the value does not parse (unterminated quote, bad param).
 * @example
 * ```ts
 * import { parseChallenge } from "./auth.ts";
 * const c = parseChallenge('Bearer resource_metadata="https://a/.well-known/oauth-protected-resource", scope="x y"');
 * console.assert(c?.scheme === "Bearer" && c.params.scope === "x y");
 * ```
 */
export function parseChallenge(value: string): Challenge | undefined {
  const head = /^\s*([!#$%&'*+.^_`|~\w-]+)(?:\s+|$)/.exec(value);
  if (!head) return undefined;
  const params: Record<string, string> = {};
  let rest = value.slice(head[0].length);
  const param = /^\s*([!#$%&'*+.^_`|~\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([!#$%&'*+.^_`|~\w./:-]+))\s*(,|$)/;
  while (rest.trim() !== "") {
    const match = param.exec(rest);
    if (!match) return undefined;
    params[match[1]!.toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : match[3]!;
    rest = rest.slice(match[0].length);
    if (match[4] === "" && rest.trim() !== "") return undefined;
  }
  return { scheme: head[1]!, params };
}

/** The well-known metadata URLs of an endpoint: path-suffixed first, then the root (RFC 9728 §3.1). */
function wellKnown(endpoint: URL): string[] {
  const path = endpoint.pathname.replace(/\/$/, "");
  const root = new URL("/.well-known/oauth-protected-resource", endpoint).href;
  return path === "" ? [root] : [root + path, root];
}

/** Is `resource` this endpoint, or an origin or path prefix of it (at a `/` boundary)? */
function coversEndpoint(resource: string, endpoint: URL): boolean {
  const r = resource.replace(/\/$/, "");
  const e = (endpoint.origin + endpoint.pathname).replace(/\/$/, "");
  return e === r || e.startsWith(r + "/");
}

/** Fetches the metadata document: the challenge's URL, else the well-known ones. */
async function fetchMetadata(ctx: Context, named: string | undefined) {
  for (const url of named ? [named] : wellKnown(new URL(ctx.url))) {
    const reply = await ctx.request("GET", { url, headers: { authorization: undefined, accept: "application/json" } });
    const text = await reply.text();
    if (reply.status !== 200) continue;
    try {
      const doc = JSON.parse(text);
      if (doc !== null && typeof doc === "object" && !Array.isArray(doc)) return { url, doc, reply };
    } catch { /* not JSON: try the next */ }
  }
  return undefined;
}

/** Checks the document found at `url`. */
function checkMetadata(ctx: Context, url: string, doc: Record<string, unknown>): Outcome | undefined {
  if (typeof doc.resource !== "string" || !coversEndpoint(doc.resource, new URL(ctx.url))) {
    return ctx.fail(`the protected-resource metadata at ${url} is for another resource`, {
      expected: `"resource": "${ctx.url}" (or an origin/path prefix of it)`,
      actual: JSON.stringify(doc.resource ?? null),
    });
  }
  const servers = doc.authorization_servers;
  if (
    !Array.isArray(servers) || servers.length === 0 || !servers.every((s) => typeof s === "string" && URL.canParse(s))
  ) {
    return ctx.fail(`the protected-resource metadata at ${url} names no authorization server`, {
      expected: '"authorization_servers": ["https://…"] (MCP authorization: at least one)',
      actual: JSON.stringify(servers ?? null),
    });
  }
  return undefined;
}

/** Requests the scope half sends with the low-scope token, in order, until one is refused. */
const SCOPE_PROBES = ["tools/list", "resources/list", "prompts/list"];

/** Judges a refusal of the low-scope token: 403 with an `insufficient_scope` Bearer challenge naming the scope. */
function judgeScopeRefusal(ctx: Context, method: string, reply: Reply): Outcome {
  if (reply.status === 401) {
    return ctx.fail(`${method} with a valid token lacking a scope got 401; insufficient scope is 403`, {
      expected: 'HTTP 403 with WWW-Authenticate: Bearer error="insufficient_scope", scope="…"',
      actual: describe(reply),
      evidence: [reply],
    });
  }
  const header = reply.headers.get("www-authenticate");
  const challenge = header === null ? undefined : parseChallenge(header);
  if (!challenge || challenge.scheme.toLowerCase() !== "bearer" || challenge.params.error !== "insufficient_scope") {
    return ctx.fail(`the 403 to ${method} has no Bearer error="insufficient_scope" challenge`, {
      expected: 'WWW-Authenticate: Bearer error="insufficient_scope", scope="…"',
      actual: header ?? "(none)",
      evidence: [reply],
    });
  }
  if (!challenge.params.scope) {
    return ctx.warn(`the insufficient_scope challenge to ${method} does not name the scope needed`, {
      expected: 'scope="…" (so the client can ask for it)',
      actual: header!,
    });
  }
  return ctx.pass(
    `a token lacking a scope gets 403 insufficient_scope (scope="${challenge.params.scope}") at ${method}`,
  );
}

/**
 * The 403 half of T-SEC-06 with `token` (valid, lacking a scope): the first refused request among
 * `initialize` and {@linkcode SCOPE_PROBES} is judged; a skip when none is refused.
 */
async function checkInsufficientScope(ctx: Context, token: string): Promise<Outcome> {
  const authorization = `Bearer ${token}`;
  let session;
  try {
    session = await ctx.initialize({ headers: { authorization } });
  } catch (error) {
    if (!(error instanceof SkipError)) throw error;
    const reply = await ctx.post(initializeRequest(ctx.nextId("init"), ctx.revision), { headers: { authorization } });
    await reply.text();
    if (reply.status === 401 || reply.status === 403) return judgeScopeRefusal(ctx, "initialize", reply);
    throw error;
  }
  for (const method of SCOPE_PROBES) {
    const reply = await session.post(rpc(ctx.nextId("scope"), method, {}), { headers: { authorization } });
    await reply.text();
    if (reply.status === 401 || reply.status === 403) return judgeScopeRefusal(ctx, method, reply);
  }
  return ctx.skip(
    `the --low-scope-token was refused at none of initialize, ${SCOPE_PROBES.join(", ")}: no scope denial to check`,
  );
}

/** The T-SEC-06 check. */
export const AUTH_CHECKS: Check[] = [{
  id: "T-SEC-06",
  area: "security",
  revisions: FROM_2025_06,
  level: "MUST",
  title: "Without a token: 401, a parseable Bearer challenge, and consistent protected-resource metadata",
  specRef: "2025-06-18 basic/authorization §Error handling, §Authorization Server Location; RFC 9728 §3, §5.1",
  async run(ctx) {
    const token = Object.keys(ctx.env.headers).some((h) => h.toLowerCase() === "authorization");
    const reply = await ctx.post(initializeRequest(ctx.nextId("init"), ctx.revision), {
      headers: { authorization: undefined },
    });
    await reply.text();
    if (!token && reply.status !== 401) {
      return ctx.skip(
        'the server did not ask for credentials; with a token (--header "Authorization: Bearer …") the check tests its 401',
      );
    }
    if (reply.status !== 401) {
      return ctx.fail(`without the token the server answered ${reply.status}`, {
        expected: "HTTP 401 with WWW-Authenticate",
        actual: describe(reply),
      });
    }
    const header = reply.headers.get("www-authenticate");
    const challenge = header === null ? undefined : parseChallenge(header);
    if (!challenge || challenge.scheme.toLowerCase() !== "bearer") {
      return ctx.fail(
        header === null
          ? "the 401 has no WWW-Authenticate challenge, so clients cannot find the authorization server"
          : "the 401's WWW-Authenticate is not a parseable Bearer challenge",
        { expected: 'WWW-Authenticate: Bearer resource_metadata="…"', actual: header ?? "(none)", evidence: [reply] },
      );
    }
    const named = challenge.params.resource_metadata;
    const found = await fetchMetadata(ctx, named);
    if (!found) {
      return ctx.fail(`no protected-resource metadata at ${named ?? wellKnown(new URL(ctx.url)).join(" or ")}`, {
        expected: "HTTP 200 with a JSON metadata document (RFC 9728 §3)",
        actual: "not found or not JSON",
      });
    }
    const broken = checkMetadata(ctx, found.url, found.doc);
    if (broken) return broken;
    const scope = ctx.env.lowScopeToken === undefined
      ? undefined
      : await checkInsufficientScope(ctx, ctx.env.lowScopeToken);
    if (scope && scope.status !== "pass" && scope.status !== "skip") return scope;
    if (!named) {
      return ctx.warn("the challenge has no resource_metadata parameter (the well-known URI serves the metadata)", {
        expected: "resource_metadata=…",
        actual: header!,
      });
    }
    const also = scope?.status === "pass" ? `; ${scope.message}` : "";
    return ctx.pass(`401 with a Bearer challenge; its metadata names this resource and an authorization server${also}`);
  },
}];
