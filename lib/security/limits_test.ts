import { test } from "node:test";
import assert from "node:assert/strict";
import { classify, createAdmission, deriveLimits } from "./limits.ts";
import { parseProcLimits } from "../runtime/limits.ts";

test("limits derived from the open-file limit keep a reserve and count two descriptors per proxied stream", () => {
  assert.deepEqual(deriveLimits({ openFiles: 256, upstream: "url" }), { maxStreams: 90, maxSessions: 10_000 });
  assert.deepEqual(deriveLimits({ openFiles: 20_000, upstream: "url" }), { maxStreams: 9_568, maxSessions: 10_000 });
  // Bun without BUN_CONFIG_MAX_HTTP_REQUESTS: streams stay below its fetch cap, so the client sees 503, not 502.
  assert.equal(deriveLimits({ openFiles: 20_000, upstream: "url", fetchCap: 256 }).maxStreams, 240);
  assert.deepEqual(deriveLimits({ openFiles: 256, upstream: "stdio" }), { maxStreams: 60, maxSessions: 30 });
  assert.deepEqual(deriveLimits({ openFiles: 10, upstream: "url" }), { maxStreams: 1, maxSessions: 10_000 });
});

test("/proc/self/limits is parsed for the open-file row", () => {
  const text =
    "Limit  Soft Limit  Hard Limit  Units\nMax processes  63704  63704  processes\nMax open files            256                  4096                 files\n";
  assert.deepEqual(parseProcLimits(text), { soft: 256, hard: 4096, source: "/proc/self/limits" });
  assert.equal(parseProcLimits("nothing here"), undefined);
});

test("only new sessions and new GET streams are subject to the budget", () => {
  const req = (method: string, path: string, headers: Record<string, string> = {}) =>
    new Request(`http://127.0.0.1${path}`, { method, headers });
  assert.equal(classify(req("POST", "/mcp")), "session");
  assert.equal(classify(req("POST", "/mcp", { "mcp-session-id": "s" })), undefined);
  assert.equal(classify(req("GET", "/mcp", { "mcp-session-id": "s" })), "stream");
  assert.equal(classify(req("GET", "/sse")), "session");
  assert.equal(classify(req("GET", "/healthz")), undefined);
  assert.equal(classify(req("DELETE", "/mcp", { "mcp-session-id": "s" })), undefined);
});

test("past the budget: 503, Retry-After, Connection: close and a JSON-RPC error with id null; requests of live sessions pass", async () => {
  const usage = { streams: 2, sessions: 1 };
  const admission = createAdmission({ limits: { maxStreams: 2, maxSessions: 10 }, usage: () => usage });
  const handler = admission.wrap(() => Promise.resolve(new Response("ok")));
  const init = await handler(new Request("http://127.0.0.1/mcp", { method: "POST", body: "{}" }));
  assert.equal(init.status, 503);
  assert.equal(init.headers.get("retry-after"), "2");
  assert.equal(init.headers.get("connection"), "close");
  const body = await init.json();
  assert.equal(body.id, null);
  assert.equal(body.error.code, -32000);
  const live = await handler(
    new Request("http://127.0.0.1/mcp", { method: "POST", headers: { "mcp-session-id": "s" }, body: "{}" }),
  );
  assert.equal(live.status, 200);
  usage.streams = 1;
  const get = await handler(new Request("http://127.0.0.1/mcp", { headers: { "mcp-session-id": "s" } }));
  assert.equal(get.status, 200);
  assert.deepEqual(admission.refused(), { session: 1, stream: 0 });
  assert.match(admission.renderMetrics(), /^mcpwire_max_streams 2$/m);
});
