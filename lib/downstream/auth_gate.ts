/**
 * The authentication gate of the downstream endpoints (T-SEC-06, docs/auth.md): serves the OAuth
 * protected-resource metadata (RFC 9728) at `/.well-known/oauth-protected-resource` and its path-suffixed
 * variant, answers 401 with `WWW-Authenticate: Bearer resource_metadata="…"` to every request of a
 * protected route that has no valid key or token, 403 `insufficient_scope` when a scope requirement is not
 * met, records the caller (`setCaller`) and writes one audit line per refusal.
 *
 * @module
 */
import type { Hono, HonoContext } from "../deps.ts";
import { audit, requestFields } from "../security/audit.ts";
import { type AuthConfig, authenticate, missingScopes } from "../security/auth.ts";
import { type Caller, setCaller } from "../security/caller.ts";
import { HttpError, jsonResponse } from "./errors.ts";
import { readBody } from "./negotiate.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";

/**
 * Which scopes a client's JSON-RPC request needs (from `--require-scope` and the rules' `requireScopes`),
 * given the request and the session id it names.
 */
export type ScopesFor = (message: JsonRpcMessage, sessionId: string | undefined) => readonly string[];

/** Options of {@linkcode installAuthGate}. */
export interface AuthGateOptions extends AuthConfig {
  /** Path of the MCP endpoint (`/mcp`): the resource is `origin + path`. */
  path: string;
  /** Routes served without credentials. @default ["/healthz"] */
  publicPaths?: readonly string[];
  /** Scope requirements (from rules); none when absent. */
  scopesFor?: ScopesFor;
  /** Scopes announced in the metadata (`scopes_supported`) and in 401 challenges. */
  scopesSupported?: readonly string[];
  /** Largest body read to find the methods needing scopes, in bytes. @default 4_194_304 */
  maxBodyBytes?: number;
}

const METADATA_PATH = "/.well-known/oauth-protected-resource";

/**
 * Installs the metadata routes and the gate middleware on `app` (after the Origin/Host check).
 *
 * @example
 * ```ts ignore
 * installAuthGate(app, { path: "/mcp", apiKeys, issuers: [], verifyToken: undefined });
 * ```
 */
export function installAuthGate(app: Hono, options: AuthGateOptions): void {
  const publicPaths = new Set(options.publicPaths ?? ["/healthz"]);
  const metadata = (c: HonoContext) => jsonResponse(resourceMetadata(c.req.raw, options));
  app.get(METADATA_PATH, metadata);
  app.get(METADATA_PATH + options.path, metadata);
  app.use("*", async (c, next) => {
    const request = c.req.raw;
    const pathname = new URL(request.url).pathname;
    if (request.method === "OPTIONS" || publicPaths.has(pathname) || pathname.startsWith(METADATA_PATH)) {
      return await next();
    }
    const outcome = await authenticate(request, options, resourceOf(request, options.path));
    if (!outcome.ok) {
      audit({
        decision: "auth_failed",
        reason: outcome.reason,
        caller: "anonymous",
        status: 401,
        ...requestFields(request),
      });
      const error = outcome.error === "invalid_token" ? `, error="invalid_token"` : "";
      throw new HttpError("unauthorized", `Unauthorized: ${outcome.reason}`, {
        "www-authenticate": challenge(request, options) + error,
      });
    }
    setCaller(request, outcome.caller);
    if (options.scopesFor && request.method === "POST") await checkScopes(request, outcome.caller, options);
    await next();
  });
}

/** The canonical URL of the resource (`http://host:port/mcp`), the default audience. */
function resourceOf(request: Request, path: string): string {
  return new URL(path, request.url).href;
}

/** RFC 9728 metadata: the resource, its authorization servers, the scopes and the bearer method. */
function resourceMetadata(request: Request, options: AuthGateOptions): Record<string, unknown> {
  return {
    resource: options.audience ?? resourceOf(request, options.path),
    authorization_servers: [...(options.issuers ?? [])],
    bearer_methods_supported: ["header"],
    ...(options.scopesSupported?.length ? { scopes_supported: [...options.scopesSupported] } : {}),
    resource_name: "mcpwire",
  };
}

/** `Bearer resource_metadata="…"[, scope="…"]`, the challenge of every 401 and 403. */
function challenge(request: Request, options: AuthGateOptions, scopes = options.scopesSupported): string {
  const url = new URL(METADATA_PATH + options.path, request.url).href;
  const scope = scopes?.length ? `, scope="${scopes.join(" ")}"` : "";
  return `Bearer resource_metadata="${url}"${scope}`;
}

/** 403 `insufficient_scope` when a request in the body needs a scope `caller` lacks. */
async function checkScopes(request: Request, caller: Caller, options: AuthGateOptions): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readBody(request.clone(), options.maxBodyBytes ?? 4 << 20));
  } catch {
    return; // the endpoint answers malformed or oversized bodies itself
  }
  const fields = requestFields(request);
  for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
    const method = (message as { method?: unknown } | null)?.method;
    if (typeof method !== "string") continue;
    const missing = missingScopes(caller, options.scopesFor!(message as JsonRpcMessage, fields.session));
    if (missing.length === 0) continue;
    audit({
      decision: "scope_denied",
      reason: `missing scope ${missing.join(" ")}`,
      caller: caller.id,
      ...fields,
      method,
      status: 403,
    });
    throw new HttpError("insufficient_scope", `Forbidden: ${method} needs scope ${missing.join(" ")}`, {
      "www-authenticate": `${challenge(request, options, missing)}, error="insufficient_scope"`,
    });
  }
}
