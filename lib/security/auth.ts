/**
 * Caller authentication (docs/auth.md): API keys (`Authorization: Bearer KEY` or `X-API-Key: KEY`) and
 * OAuth 2.1 bearer JWTs (T-SEC-06), producing the {@linkcode Caller} of a request; plus the marker that
 * tells the upstream side a request's credentials were consumed here and must not be passed through.
 *
 * @module
 */
import { type ApiKeyEntry, matchApiKey } from "./api_keys.ts";
import type { Caller } from "./caller.ts";
import { InvalidTokenError, type TokenVerifier } from "./oauth.ts";

/** What authenticates callers. At least one of `apiKeys` and `verifyToken` is set. */
export interface AuthConfig {
  /** API keys (from `--api-key-file`). */
  apiKeys?: readonly ApiKeyEntry[];
  /** The OAuth token verifier (from `--auth-issuer`). */
  verifyToken?: TokenVerifier;
  /** The trusted issuers, announced in the protected-resource metadata (RFC 9728 `authorization_servers`). */
  issuers?: readonly string[];
  /** The audience tokens must carry; `undefined`: the endpoint's canonical URL (`origin` + path). */
  audience?: string;
  /** Pass the client's `Authorization`/`X-API-Key` upstream anyway (token passthrough). @default false */
  forwardCredentials?: boolean;
}

/** The outcome of {@linkcode authenticate}: a caller, or why not (`invalid_token` when credentials were bad). */
export type AuthOutcome =
  | { ok: true; caller: Caller }
  | { ok: false; error: "missing" | "invalid_token"; reason: string };

const consumed = new WeakSet<Request>();

/**
 * Authenticates `request` against `config`, for a resource whose audience is `audience`. A bearer value is
 * first compared with the API keys, then verified as a JWT. Marks the request's credentials as consumed
 * (see {@linkcode credentialsConsumed}) unless `forwardCredentials`.
 *
 * @example
 * ```ts
 * import { authenticate } from "./auth.ts";
 * import { hashApiKey, parseApiKeyFile } from "./api_keys.ts";
 * const apiKeys = parseApiKeyFile(`ci ${await hashApiKey("k")}`);
 * const r = await authenticate(new Request("http://h/mcp", { headers: { "x-api-key": "k" } }), { apiKeys }, "http://h/mcp");
 * console.assert(r.ok && r.caller.id === "ci");
 * ```
 */
export async function authenticate(request: Request, config: AuthConfig, audience: string): Promise<AuthOutcome> {
  if (!config.forwardCredentials) consumed.add(request);
  const header = request.headers.get("authorization");
  const apiKey = request.headers.get("x-api-key");
  let bearer: string | undefined;
  if (header !== null) {
    const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
    if (!match) return { ok: false, error: "invalid_token", reason: "malformed Authorization header" };
    bearer = match[1]!;
  }
  const presented = bearer ?? apiKey ?? undefined;
  if (presented === undefined) return { ok: false, error: "missing", reason: "missing credentials" };
  if (config.apiKeys) {
    const caller = await matchApiKey(config.apiKeys, presented);
    if (caller) return { ok: true, caller };
  }
  if (bearer === undefined || !config.verifyToken) return { ok: false, error: "invalid_token", reason: "unknown key" };
  try {
    return { ok: true, caller: await config.verifyToken(bearer, config.audience ?? audience) };
  } catch (error) {
    const reason = error instanceof InvalidTokenError ? error.message : "token verification failed";
    return { ok: false, error: "invalid_token", reason };
  }
}

/**
 * Were `request`'s credentials consumed by mcpwire's own authentication? Then `Authorization` and
 * `X-API-Key` are not forwarded upstream (MCP forbids token passthrough).
 *
 * @example
 * ```ts
 * import { credentialsConsumed } from "./auth.ts";
 * console.assert(!credentialsConsumed(new Request("http://h/mcp")));
 * ```
 */
export function credentialsConsumed(request: Request): boolean {
  return consumed.has(request);
}

/** Does `caller` hold every scope in `required`? The scopes it lacks, empty when none. */
export function missingScopes(caller: Caller, required: readonly string[]): string[] {
  return required.filter((scope) => !caller.scopes.includes(scope));
}
