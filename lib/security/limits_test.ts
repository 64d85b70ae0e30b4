import { test } from "node:test";
import assert from "node:assert/strict";
import { classify, createAdmission, deriveLimits } from "./limits.ts";
import { parseProcLimits } from "../runtime/limits.ts";
import { createRateLimiter } from "./rate.ts";

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
  assert.deepEqual(admission.refused(), { session: 1, stream: 0, rate: 0 });
  assert.match(admission.renderMetrics(), /^mcpwire_max_streams 2$/m);
});

test("stdio children cap new sessions; past a caller's initialize rate: 429 with Retry-After and a JSON-RPC error", async () => {
  const usage = { streams: 0, sessions: 2 };
  const children = createAdmission({
    limits: { maxStreams: 100, maxSessions: 100, maxChildren: 2 },
    usage: () => usage,
  }).wrap(() => Promise.resolve(new Response("ok")));
  const init = () => new Request("http://127.0.0.1/mcp", { method: "POST", body: "{}" });
  const full = await children(init());
  assert.equal(full.status, 503);
  assert.match((await full.json()).error.message, /2 stdio children/);
  usage.sessions = 1;
  assert.equal((await children(init())).status, 200);

  const admission = createAdmission({
    limits: { maxStreams: 100, maxSessions: 100, initializeRate: { perSecond: 1, burst: 2 } },
    usage: () => ({ streams: 0, sessions: 0 }),
  });
  const rated = admission.wrap(() => Promise.resolve(new Response("ok")));
  assert.equal((await rated(init())).status, 200);
  assert.equal((await rated(init())).status, 200);
  const third = await rated(init());
  assert.equal(third.status, 429);
  assert.equal(third.headers.get("retry-after"), "1");
  const body = await third.json();
  assert.equal(body.id, null);
  assert.equal(body.error.code, -32000);
  assert.deepEqual(admission.refused(), { session: 0, stream: 0, rate: 1 });
  assert.match(admission.renderMetrics(), /^mcpwire_refused_total\{kind="rate"\} 1$/m);
});

test("token buckets refill at the rate and forget callers that are full again", () => {
  let now = 0;
  const limiter = createRateLimiter({ perSecond: 2, burst: 2 }, () => now);
  assert.equal(limiter.take("a"), 0);
  assert.equal(limiter.take("a"), 0);
  assert.equal(limiter.take("a"), 1);
  assert.equal(limiter.take("b"), 0, "callers have their own bucket");
  now = 500;
  assert.equal(limiter.take("a"), 0, "one token back after 0.5 s at 2/s");
  now = 10_000;
  limiter.take("c");
  assert.equal(limiter.size(), 1, "a and b were full again and dropped");
});
