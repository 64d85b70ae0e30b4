/**
 * The OAuth 2.1 resource-server side of MCP authorization (T-SEC-06): bearer JWTs verified against the
 * JWKS of trusted issuers (signature, `iss`, `aud` = this resource, `exp`/`nbf` with a small clock skew),
 * with `jose`. Each issuer's `jwks_uri` is read from its metadata (RFC 8414
 * `/.well-known/oauth-authorization-server`, else OpenID `/.well-known/openid-configuration`); metadata and
 * keys are cached (`jose` refetches keys on an unknown `kid`, at most every 30 s).
 *
 * @module
 */
import { createRemoteJWKSet, decodeJwt, type JWTPayload, jwtVerify } from "../deps.ts";
import type { Caller } from "./caller.ts";

/** Options of {@linkcode createTokenVerifier}. */
export interface TokenVerifierOptions {
  /** Trusted issuer identifiers (`https://auth.example`), exactly as tokens carry them in `iss`. */
  issuers: readonly string[];
  /** Allowed clock skew for `exp`/`nbf`, in seconds. @default 30 */
  clockToleranceSec?: number;
  /** The fetch used for metadata and keys. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Why a token was refused (a short phrase for the audit log and `error_description`; never the token). */
export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

/** Verifies bearer tokens for one audience. */
export type TokenVerifier = (token: string, audience: string) => Promise<Caller>;

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * The metadata URLs of `issuer`, in the order they are tried: RFC 8414 (path inserted after the well-known
 * prefix), then OpenID Connect Discovery (both placements).
 *
 * @example
 * ```ts
 * import { metadataUrls } from "./oauth.ts";
 * console.assert(metadataUrls("https://a.example/t1")[0] === "https://a.example/.well-known/oauth-authorization-server/t1");
 * ```
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, "");
  return [
    ...new Set([
      `${url.origin}/.well-known/oauth-authorization-server${path}`,
      `${url.origin}/.well-known/openid-configuration${path}`,
      `${url.origin}${path}/.well-known/openid-configuration`,
    ]),
  ];
}

async function discoverJwksUri(issuer: string, fetcher: typeof fetch): Promise<URL> {
  for (const url of metadataUrls(issuer)) {
    const response = await fetcher(url, { headers: { accept: "application/json" } }).catch(() => undefined);
    if (!response?.ok) {
      await response?.body?.cancel().catch(() => {});
      continue;
    }
    const doc = await response.json().catch(() => undefined) as { jwks_uri?: unknown; issuer?: unknown } | undefined;
    if (typeof doc?.jwks_uri === "string") return new URL(doc.jwks_uri);
  }
  throw new InvalidTokenError(`no usable metadata (jwks_uri) at issuer ${issuer}`);
}

/**
 * A verifier trusting `options.issuers`. The issuer of a token is picked by its (unverified) `iss`, then
 * everything is verified; the caller id is `sub`, prefixed by `iss` and a space when several issuers are
 * trusted; `scopes` come from the `scope` claim (space separated) or `scp` (an array).
 *
 * @throws {InvalidTokenError} From the returned function, for a malformed, unsigned, expired, not yet valid,
 * wrongly signed token, a foreign issuer or audience, or an issuer whose keys cannot be fetched.
 * @example
 * ```ts ignore
 * const verify = createTokenVerifier({ issuers: ["https://auth.example"] });
 * const caller = await verify(token, "https://mcp.example/mcp");
 * ```
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const fetcher = options.fetch ?? globalThis.fetch;
  const keySets = new Map<string, Promise<KeySet>>();
  const keysOf = (issuer: string) => {
    let keys = keySets.get(issuer);
    if (!keys) {
      keys = discoverJwksUri(issuer, fetcher).then((uri) => createRemoteJWKSet(uri, { cacheMaxAge: 600_000 }));
      keys.catch(() => keySets.delete(issuer)); // retried on the next token
      keySets.set(issuer, keys);
    }
    return keys;
  };
  const several = options.issuers.length > 1;
  return async (token, audience) => {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new InvalidTokenError("malformed token");
    }
    if (typeof iss !== "string" || !options.issuers.includes(iss)) throw new InvalidTokenError("untrusted issuer");
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await keysOf(iss), {
        issuer: iss,
        audience,
        clockTolerance: options.clockToleranceSec ?? 30,
        requiredClaims: ["exp"],
      }));
    } catch (error) {
      throw error instanceof InvalidTokenError ? error : new InvalidTokenError(reasonOf(error));
    }
    const sub = typeof payload.sub === "string" ? payload.sub : "unknown";
    return { id: several ? `${iss} ${sub}` : sub, kind: "oauth", scopes: scopesOf(payload) };
  };
}

function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === "string") return payload.scope.split(" ").filter(Boolean);
  return Array.isArray(payload.scp) ? payload.scp.filter((s): s is string => typeof s === "string") : [];
}

/** A short reason from a `jose` error (its code), never the token. */
function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const claim = (error as { claim?: unknown })?.claim;
  if (code === "ERR_JWT_EXPIRED") return "token expired";
  if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED") return `claim ${String(claim)} invalid`;
  if (code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") return "bad signature";
  if (code === "ERR_JWKS_NO_MATCHING_KEY") return "no matching key";
  return typeof code === "string" ? code.toLowerCase().replace(/^err_/, "").replaceAll("_", " ") : "invalid token";
}
