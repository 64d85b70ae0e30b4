/** API keys, the authenticate step and the OAuth token verifier against a real local issuer. */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { hashApiKey, matchApiKey, parseApiKeyFile } from "./api_keys.ts";
import { authenticate, credentialsConsumed } from "./auth.ts";
import { createTokenVerifier, InvalidTokenError, metadataUrls } from "./oauth.ts";
import { startIssuer, type TestIssuer } from "../../testing/issuer.ts";

const req = (headers: Record<string, string>) => new Request("http://127.0.0.1/mcp", { headers });

describe("API keys", () => {
  it("hashes with SHA-256 (hex)", async () => {
    assert.equal(await hashApiKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("parses names and hashes, with comments, and names bad lines", () => {
    const keys = parseApiKeyFile(`# team\nci-bot ${"a".repeat(64)}  # CI\n\nops ${"B".repeat(64)}\n`);
    assert.deepEqual(keys.map((k) => k.name), ["ci-bot", "ops"]);
    assert.throws(() => parseApiKeyFile(`ci ${"a".repeat(63)}`), /line 1: expected/);
    assert.throws(() => parseApiKeyFile(`a ${"a".repeat(64)}\na ${"b".repeat(64)}`), /line 2: duplicate/);
    assert.throws(() => parseApiKeyFile("# nothing\n"), /no key/);
  });

  it("matches the right entry, and nothing for another key", async () => {
    const keys = parseApiKeyFile(`a ${await hashApiKey("ka")}\nb ${await hashApiKey("kb")}`);
    assert.equal((await matchApiKey(keys, "kb"))?.id, "b");
    assert.equal(await matchApiKey(keys, "kc"), undefined);
  });
});

describe("authenticate", () => {
  let apiKeys: ReturnType<typeof parseApiKeyFile>;
  before(async () => (apiKeys = parseApiKeyFile(`ci ${await hashApiKey("k1")}`)));

  it("accepts X-API-Key and Bearer, refuses missing, malformed and unknown credentials", async () => {
    const aud = "http://127.0.0.1/mcp";
    assert.deepEqual(await authenticate(req({ "x-api-key": "k1" }), { apiKeys }, aud), {
      ok: true,
      caller: { id: "ci", kind: "api-key", scopes: [] },
    });
    assert.equal((await authenticate(req({ authorization: "Bearer k1" }), { apiKeys }, aud)).ok, true);
    assert.deepEqual(await authenticate(req({}), { apiKeys }, aud), {
      ok: false,
      error: "missing",
      reason: "missing credentials",
    });
    const basic = await authenticate(req({ authorization: "Basic eDp5" }), { apiKeys }, aud);
    assert.equal(basic.ok === false && basic.error, "invalid_token");
    const unknown = await authenticate(req({ "x-api-key": "k2" }), { apiKeys }, aud);
    assert.equal(unknown.ok === false && unknown.reason, "unknown key");
  });

  it("marks credentials consumed unless forwarding is configured", async () => {
    const consumed = req({ "x-api-key": "k1" });
    await authenticate(consumed, { apiKeys }, "http://h/mcp");
    assert.equal(credentialsConsumed(consumed), true);
    const forwarded = req({ "x-api-key": "k1" });
    await authenticate(forwarded, { apiKeys, forwardCredentials: true }, "http://h/mcp");
    assert.equal(credentialsConsumed(forwarded), false);
  });
});

describe("OAuth token verifier", () => {
  let issuer: TestIssuer;
  const aud = "http://127.0.0.1:9/mcp";
  before(async () => (issuer = await startIssuer()));
  after(() => issuer.close());

  it("derives RFC 8414 and OpenID metadata URLs", () => {
    assert.deepEqual(metadataUrls("https://a.test"), [
      "https://a.test/.well-known/oauth-authorization-server",
      "https://a.test/.well-known/openid-configuration",
    ]);
    assert.equal(metadataUrls("https://a.test/t/1")[0], "https://a.test/.well-known/oauth-authorization-server/t/1");
  });

  it("verifies signature, issuer, audience and lifetime, and caches the keys", async () => {
    const verify = createTokenVerifier({ issuers: [issuer.issuer] });
    const caller = await verify(await issuer.sign({ sub: "u1", aud, scope: "a b" }), aud);
    assert.deepEqual(caller, { id: "u1", kind: "oauth", scopes: ["a", "b"] });
    await verify(await issuer.sign({ sub: "u2", aud }), aud);
    assert.equal(issuer.jwksFetches(), 1);
    const refused = async (token: string, reason: RegExp) => {
      await assert.rejects(
        verify(token, aud),
        (e: unknown) => e instanceof InvalidTokenError && reason.test(e.message),
      );
    };
    await refused(await issuer.sign({ sub: "u", aud: "http://other.test/mcp" }), /claim aud/);
    await refused(await issuer.sign({ sub: "u", aud, lifetimeSec: -60 }), /expired/);
    await refused(await issuer.sign({ sub: "u", aud, foreignKey: true }), /signature|no matching key/);
    await refused("a.b.c", /malformed/);
  });

  it("refuses tokens of an untrusted issuer, and prefixes ids when several are trusted", async () => {
    const token = await issuer.sign({ sub: "u1", aud });
    await assert.rejects(createTokenVerifier({ issuers: ["https://other.test"] })(token, aud), /untrusted issuer/);
    const several = createTokenVerifier({ issuers: ["https://other.test", issuer.issuer] });
    assert.equal((await several(token, aud)).id, `${issuer.issuer} u1`);
  });
});
