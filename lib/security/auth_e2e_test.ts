/**
 * Caller authentication end to end (docs/auth.md, T-SEC-06): `mcpwire reverse` started as the README runs
 * it, with `--auth-issuer` (a real local issuer: jose keys, RFC 8414 metadata, JWKS on loopback) and
 * `--api-key-file`, in front of server-everything behind a header tap, driven by the 1.x SDK client and by
 * raw requests.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HttpChild, postHeaders, RUNTIME, startEverything } from "../../testing/e2e.ts";
import { type CliProxy, type HeaderTap, startHeaderTap, startReverseCli } from "../../testing/cli_proxy.ts";
import { startIssuer, type TestIssuer } from "../../testing/issuer.ts";
import { Client, StreamableHTTPClientTransport } from "../../testing/deps.ts";
import { initRequest } from "../../testing/messages.ts";
import { hashApiKey } from "./api_keys.ts";

const ALICE_KEY = "alice-key-" + crypto.randomUUID();
const BOB_KEY = "bob-key-" + crypto.randomUUID();
const UPSTREAM_SECRET = "upstream-secret-" + crypto.randomUUID();

/** Parses `Bearer a="b", c="d"` into its parameters. */
function challenge(header: string | null): Record<string, string> {
  assert.ok(header?.startsWith("Bearer "), `WWW-Authenticate: ${header}`);
  return Object.fromEntries([...header!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

/** Initializes a session with `auth` headers; returns the session id. */
async function open(endpoint: URL, auth: Record<string, string>): Promise<string> {
  const r = await fetch(endpoint, { method: "POST", headers: postHeaders(auth), body: JSON.stringify(initRequest()) });
  assert.equal(r.status, 200);
  await r.body?.cancel();
  const id = r.headers.get("mcp-session-id")!;
  const ack = { jsonrpc: "2.0", method: "notifications/initialized" };
  const headers = postHeaders({ ...auth, "mcp-session-id": id, "mcp-protocol-version": "2025-11-25" });
  const n = await fetch(endpoint, { method: "POST", headers, body: JSON.stringify(ack) });
  assert.equal(n.status, 202);
  await n.body?.cancel();
  return id;
}

/** Calls a tool in session `id`; returns the response. */
function callTool(endpoint: URL, auth: Record<string, string>, id: string, name: string): Promise<Response> {
  const headers = postHeaders({ ...auth, "mcp-session-id": id, "mcp-protocol-version": "2025-11-25" });
  const args = name === "echo" ? { message: "hi" } : { a: 1, b: 2 };
  const body = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name, arguments: args } });
  return fetch(endpoint, { method: "POST", headers, body });
}

describe(`mcpwire reverse --auth-issuer --api-key-file on ${RUNTIME}`, () => {
  let everything: HttpChild;
  let tap: HeaderTap;
  let issuer: TestIssuer;
  let proxy: CliProxy;
  let dir: string;
  let endpoint: URL;
  let audience: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcpwire-auth-"));
    const keys = `# test keys\nalice ${await hashApiKey(ALICE_KEY)}\nbob ${await hashApiKey(BOB_KEY)}\n`;
    writeFileSync(join(dir, "keys.txt"), keys);
    const rules = "version: 1\nrules:\n  - name: echo needs a scope\n    match: { method: tools/call, tool: echo }\n" +
      "    requireScopes: [tools.echo]\n" +
      "  - name: no blocked tool\n    match: { method: tools/call, tool: blocked-tool }\n    action: block\n" +
      "    error: { code: -32001, message: blocked-tool is off limits }\n";
    writeFileSync(join(dir, "rules.yaml"), rules);
    [everything, issuer] = await Promise.all([startEverything("streamableHttp"), startIssuer()]);
    tap = await startHeaderTap(everything.url);
    proxy = await startReverseCli([
      "--upstream",
      new URL("/mcp", tap.url).href,
      "--auth-issuer",
      issuer.issuer,
      "--api-key-file",
      join(dir, "keys.txt"),
      "--rules",
      join(dir, "rules.yaml"),
      "--require-scope",
      "prompts/get=prompts.read",
      "--upstream-header",
      `Authorization: Bearer ${UPSTREAM_SECRET}`,
    ]);
    endpoint = proxy.endpoint;
    audience = endpoint.href;
  });

  after(async () => {
    await proxy?.stop();
    await tap?.close();
    await issuer?.close();
    await everything?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("without credentials every method and route gets 401 with resource_metadata", async () => {
    const sse = new URL("/sse", endpoint);
    const cases: [string, URL, RequestInit][] = [
      ["POST /mcp", endpoint, { method: "POST", headers: postHeaders(), body: JSON.stringify(initRequest()) }],
      ["GET /mcp", endpoint, { headers: { accept: "text/event-stream", "mcp-session-id": "x" } }],
      ["DELETE /mcp", endpoint, { method: "DELETE", headers: { "mcp-session-id": "x" } }],
      ["GET /sse", sse, { headers: { accept: "text/event-stream" } }],
      ["POST /message", new URL("/message?sessionId=x", endpoint), {
        method: "POST",
        headers: postHeaders(),
        body: "{}",
      }],
      ["GET /metrics", new URL("/metrics", endpoint), {}],
    ];
    const expected = new URL("/.well-known/oauth-protected-resource/mcp", endpoint).href;
    for (const [name, url, init] of cases) {
      const r = await fetch(url, init);
      assert.equal(r.status, 401, name);
      assert.equal(challenge(r.headers.get("www-authenticate")).resource_metadata, expected, name);
      assert.equal((await r.json()).error.message.startsWith("Unauthorized"), true, name);
    }
    const health = await fetch(new URL("/healthz", endpoint));
    assert.equal(health.status, 200);
    await health.body?.cancel();
  });

  test("the protected-resource metadata names this resource and the issuer", async () => {
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      const r = await fetch(new URL(path, endpoint));
      assert.equal(r.status, 200);
      const doc = await r.json();
      assert.equal(doc.resource, audience);
      assert.deepEqual(doc.authorization_servers, [issuer.issuer]);
      assert.deepEqual(doc.scopes_supported, ["prompts.read"]);
    }
  });

  test("bad, expired, foreign-key and other-audience tokens get 401 invalid_token", async () => {
    const tokens = {
      garbage: "not-a-jwt",
      expired: await issuer.sign({ sub: "u", aud: audience, lifetimeSec: -120 }),
      foreignKey: await issuer.sign({ sub: "u", aud: audience, foreignKey: true }),
      otherAudience: await issuer.sign({ sub: "u", aud: "http://127.0.0.1:1/mcp" }),
    };
    for (const [name, token] of Object.entries(tokens)) {
      const r = await fetch(endpoint, {
        method: "POST",
        headers: postHeaders({ authorization: `Bearer ${token}` }),
        body: JSON.stringify(initRequest()),
      });
      assert.equal(r.status, 401, name);
      assert.equal(challenge(r.headers.get("www-authenticate")).error, "invalid_token", name);
      await r.body?.cancel();
    }
  });

  test("with a token the SDK client works, and the upstream never sees the client's token", async () => {
    const token = await issuer.sign({ sub: "carol", aud: audience, scope: "tools.echo" });
    const transport = new StreamableHTTPClientTransport(endpoint, {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    const client = new Client({ name: "auth-e2e", version: "1.0.0" });
    await client.connect(transport);
    try {
      const tools = await client.listTools();
      assert.ok(tools.tools.some((t: { name: string }) => t.name === "echo"));
      const result = await client.callTool({ name: "echo", arguments: { message: "hello" } });
      assert.match(JSON.stringify(result.content), /hello/);
    } finally {
      await client.close();
    }
    assert.ok(tap.seen.length > 0);
    for (const headers of tap.seen) {
      assert.equal(headers.get("authorization"), `Bearer ${UPSTREAM_SECRET}`);
      assert.equal(headers.get("x-api-key"), null);
    }
  });

  test("a token lacking the rule's scope gets 403 insufficient_scope; other tools still work", async () => {
    const token = await issuer.sign({ sub: "dave", aud: audience, scope: "other" });
    const auth = { authorization: `Bearer ${token}` };
    const id = await open(endpoint, auth);
    const denied = await callTool(endpoint, auth, id, "echo");
    assert.equal(denied.status, 403);
    const params = challenge(denied.headers.get("www-authenticate"));
    assert.equal(params.error, "insufficient_scope");
    assert.equal(params.scope, "tools.echo");
    await denied.body?.cancel();
    const allowed = await callTool(endpoint, auth, id, "get-sum");
    assert.equal(allowed.status, 200);
    assert.match(await allowed.text(), /"result"/);
  });

  test("a session is bound to its caller: another caller gets 404 (Streamable HTTP and legacy SSE)", async () => {
    const alice = { "x-api-key": ALICE_KEY };
    const bob = { authorization: `Bearer ${BOB_KEY}` };
    const id = await open(endpoint, alice);
    assert.ok(id.length >= 22, "session ids carry at least 128 bits");
    const stolen = await callTool(endpoint, bob, id, "get-sum");
    assert.equal(stolen.status, 404);
    await stolen.body?.cancel();
    const del = await fetch(endpoint, { method: "DELETE", headers: { ...bob, "mcp-session-id": id } });
    assert.equal(del.status, 404);
    await del.body?.cancel();
    const own = await callTool(endpoint, alice, id, "get-sum");
    assert.equal(own.status, 200);
    await own.body?.cancel();

    const controller = new AbortController();
    const stream = await fetch(new URL("/sse", endpoint), {
      headers: { ...alice, accept: "text/event-stream" },
      signal: controller.signal,
    });
    assert.equal(stream.status, 200);
    const reader = stream.body!.getReader();
    let text = "";
    while (!/sessionId=([^\s&]+)/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    const legacy = new URL(/data: (\S+)/.exec(text)![1]!, endpoint);
    const body = JSON.stringify(initRequest("2024-11-05"));
    const bobPost = await fetch(legacy, { method: "POST", headers: postHeaders(bob), body });
    assert.equal(bobPost.status, 404);
    await bobPost.body?.cancel();
    const alicePost = await fetch(legacy, { method: "POST", headers: postHeaders(alice), body });
    assert.equal(alicePost.status, 202);
    await alicePost.body?.cancel();
    controller.abort();
    await reader.cancel().catch(() => {});
  });

  test("a request a rule blocks gets the rule's error and writes one rule_blocked audit line", async () => {
    const alice = { authorization: `Bearer ${ALICE_KEY}` };
    const id = await open(endpoint, alice);
    const r = await callTool(endpoint, alice, id, "blocked-tool");
    assert.equal(r.status, 200);
    const text = await r.text();
    assert.match(text, /blocked-tool is off limits/);
    const deadline = Date.now() + 5_000;
    const blocked = () =>
      proxy.stderr().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
        .filter((l) => l.audit === "rule_blocked" && l.session === id);
    while (blocked().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const lines = blocked();
    assert.equal(lines.length, 1, JSON.stringify(lines));
    const { ts: _ts, ...line } = lines[0];
    assert.deepEqual(line, {
      audit: "rule_blocked",
      reason: "blocked-tool is off limits",
      rule: "no blocked tool",
      caller: "alice",
      session: id,
      method: "tools/call",
      tool: "blocked-tool",
      direction: "client-to-server",
    });
  });

  test("audit lines record each decision and carry no secret", async () => {
    const deadline = Date.now() + 5_000;
    const lines = () => proxy.stderr().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    while (!lines().some((l) => l.audit === "session_denied") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const audits = lines();
    const decisions = new Set(audits.map((l) => l.audit));
    for (const d of ["auth_failed", "scope_denied", "session_denied", "rule_blocked"]) assert.ok(decisions.has(d), d);
    const denied = audits.find((l) => l.audit === "session_denied");
    assert.equal(denied.caller, "bob");
    assert.ok(denied.session && denied.method && denied.reason);
    assert.equal(audits.find((l) => l.audit === "scope_denied").caller, "dave");
    for (const secret of [ALICE_KEY, BOB_KEY, UPSTREAM_SECRET, "eyJ"]) {
      assert.ok(!proxy.stderr().includes(secret), secret);
    }
  });
});
