/**
 * A real local OAuth authorization server for tests: an RS256 key pair made with `jose`, its RFC 8414
 * metadata and JWKS served on a loopback port, and a `sign` that issues access tokens for any claims.
 *
 * @module
 */
import { serve, type Server } from "../lib/runtime/serve.ts";
import { exportJWK, generateKeyPair, SignJWT } from "./deps.ts";

/** A served issuer. */
export interface TestIssuer {
  /** The issuer identifier (`http://127.0.0.1:PORT`), as tokens carry it in `iss`. */
  issuer: string;
  /**
   * Signs an access token: `sub`, `aud`, `scope` and lifetime (s, default 300; negative: already expired).
   * `foreignKey` signs with a key the JWKS does not hold.
   */
  sign(
    claims: { sub: string; aud: string; scope?: string; lifetimeSec?: number; foreignKey?: boolean },
  ): Promise<string>;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  close(): Promise<void>;
}

/** Starts a {@linkcode TestIssuer} on 127.0.0.1 with a free port. */
export async function startIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const foreign = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "test-1", alg: "RS256", use: "sig" };
  let fetches = 0;
  let issuer = "";
  const server: Server = await serve((request) => {
    const path = new URL(request.url).pathname;
    if (path === "/.well-known/oauth-authorization-server") {
      return Response.json({
        issuer,
        jwks_uri: `${issuer}/jwks`,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        response_types_supported: ["code"],
      });
    }
    if (path === "/jwks") {
      fetches++;
      return Response.json({ keys: [jwk] });
    }
    return new Response("not found", { status: 404 });
  }, { hostname: "127.0.0.1", port: 0 });
  issuer = server.url.origin;
  return {
    issuer,
    async sign({ sub, aud, scope, lifetimeSec = 300, foreignKey = false }) {
      const now = Math.floor(Date.now() / 1000);
      return await new SignJWT(scope === undefined ? {} : { scope })
        .setProtectedHeader({ alg: "RS256", kid: "test-1", typ: "at+jwt" })
        .setIssuer(issuer).setSubject(sub).setAudience(aud)
        .setIssuedAt(now - 10).setExpirationTime(now + lifetimeSec)
        .sign(foreignKey ? foreign.privateKey : privateKey);
    },
    jwksFetches: () => fetches,
    close: () => server.close(),
  };
}
