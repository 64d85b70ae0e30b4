import { test } from "node:test";
import assert from "node:assert/strict";
import { createAdmission } from "./admission.ts";
import { classify } from "./refusals.ts";
import { deriveLimits } from "./limits.ts";
import { parseProcLimits } from "../runtime/limits.ts";
import { createRateLimiter } from "./rate.ts";
import { setAuditSink } from "./audit.ts";
import { setCaller } from "./caller.ts";

test("limits derived from the open-file limit keep a reserve and count two descriptors per proxied stream", () => {
  assert.deepEqual(deriveLimits({ openFiles: 256, upstream: "url" }), { maxStreams: 90, maxSessions: 10_000 });
  assert.deepEqual(deriveLimits({ openFiles: 20_000, upstream: "url" }), { maxStreams: 9_568, maxSessions: 10_000 });
  // Bun without BUN_CONFIG_MAX_HTTP_REQUESTS: streams stay below its fetch cap, so the client sees 503, not 502.
  assert.equal(deriveLimits({ openFiles: 20_000, upstream: "url", fetchCap: 256 }).maxStreams, 240);
  assert.deepEqual(deriveLimits({ openFiles: 256, upstream: "stdio" }), { maxStreams: 60, maxSessions: 30 });
  // Behind Deno's header-deadline front a client connection holds 3 descriptors: 2 more per stream.
  // (and the reserve's share for idle sockets triples: 97 kept free of 256).
  assert.equal(deriveLimits({ openFiles: 256, upstream: "url", connectionFds: 3 }).maxStreams, 39);
  assert.deepEqual(deriveLimits({ openFiles: 256, upstream: "stdio", connectionFds: 3 }), {
    maxStreams: 30,
    maxSessions: 15,
  });
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
  // A 2026-07-28 request opens no session: it takes a stream, not the initialize rate.
  assert.equal(classify(req("POST", "/mcp", { "mcp-protocol-version": "2026-07-28" })), "stream");
  assert.equal(classify(req("POST", "/mcp", { "mcp-protocol-version": "2025-11-25" })), "session");
  assert.equal(classify(req("POST", "/mcp", { "mcp-session-id": "s" })), undefined);
  assert.equal(classify(req("GET", "/mcp", { "mcp-session-id": "s" })), "stream");
  assert.equal(classify(req("GET", "/sse")), "session");
  assert.equal(classify(req("GET", "/healthz")), undefined);
  assert.equal(classify(req("DELETE", "/mcp", { "mcp-session-id": "s" })), undefined);
});

test("past the budget: 503, Retry-After, Connection: close and a JSON-RPC error with id null; requests of live sessions pass", async () => {
  const usage = { streams: 2, sessions: 1 };
  const admission = createAdmission({ limits: { maxStreams: 2, maxSessions: 10 }, usage: () => usage });
  const handler = admission.wrap(admission.wrapCaller(() => Promise.resolve(new Response("ok"))));
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
  assert.deepEqual(admission.refused(), {
    session: 1,
    stream: 0,
    rate: 0,
    caller_sessions: 0,
    session_requests: 0,
    session_streams: 0,
  });
  assert.match(admission.renderMetrics(), /^mcpwire_max_streams 2$/m);
});

test("stdio children cap new sessions; past a caller's initialize rate: 429 with Retry-After and a JSON-RPC error", async () => {
  const usage = { streams: 0, sessions: 2 };
  const stdio = createAdmission({ limits: { maxStreams: 100, maxSessions: 100, maxChildren: 2 }, usage: () => usage });
  const children = stdio.wrap(stdio.wrapCaller(() => Promise.resolve(new Response("ok"))));
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
  const rated = admission.wrap(admission.wrapCaller(() => Promise.resolve(new Response("ok"))));
  assert.equal((await rated(init())).status, 200);
  assert.equal((await rated(init())).status, 200);
  const third = await rated(init());
  assert.equal(third.status, 429);
  assert.equal(third.headers.get("retry-after"), "1");
  const body = await third.json();
  assert.equal(body.id, null);
  assert.equal(body.error.code, -32000);
  assert.equal(admission.refused().rate, 1);
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

/** Collects audit lines while `fn` runs. */
async function audited(fn: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  setAuditSink((line) => lines.push(line));
  try {
    await fn();
  } finally {
    setAuditSink(undefined);
  }
  return lines.map((line) => JSON.parse(line));
}

const post = (body: unknown, session?: string) =>
  new Request("http://127.0.0.1/mcp", {
    method: "POST",
    headers: session ? { "mcp-session-id": session } : {},
    body: JSON.stringify(body),
  });
const ping = (id: number) => ({ jsonrpc: "2.0", id, method: "ping" });
/** A ping of session `session` that {@linkcode streamingHandler} answers with an SSE stream. */
const streamed = (id: number, session = "s") => {
  const request = post(ping(id), session);
  request.headers.set("x-stream", "1");
  return request;
};

/** A handler whose SSE answers stay open until `release()`; JSON for everything else. */
function streamingHandler() {
  const open: ReadableStreamDefaultController<Uint8Array>[] = [];
  return {
    open,
    release: () =>
      open.splice(0).forEach((c) => {
        try {
          c.close();
        } catch {
          // Cancelled by its reader already.
        }
      }),
    handler: (request: Request) =>
      Promise.resolve(
        request.method === "GET" || request.headers.get("x-stream") === "1"
          ? new Response(new ReadableStream<Uint8Array>({ start: (c) => void open.push(c) }), {
            headers: { "content-type": "text/event-stream" },
          })
          : new Response("{}", { headers: { "content-type": "application/json" } }),
      ),
  };
}

test("every refusal writes a limit_hit audit line with caller, status and session", async () => {
  const admission = createAdmission({
    limits: { maxStreams: 0, maxSessions: 0 },
    usage: () => ({ streams: 0, sessions: 0 }),
  });
  const handler = admission.wrap(admission.wrapCaller(() => Promise.resolve(new Response("ok"))));
  const lines = await audited(async () => {
    const request = post(ping(1));
    setCaller(request, { id: "ci-bot", kind: "api-key", scopes: [] });
    assert.equal((await handler(request)).status, 503);
    const get = new Request("http://127.0.0.1/mcp", { headers: { "mcp-session-id": "s1" } });
    assert.equal((await handler(get)).status, 503);
  });
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.audit, "limit_hit");
  assert.equal(lines[0]!.reason, "max sessions");
  assert.equal(lines[0]!.caller, "ci-bot");
  assert.equal(lines[0]!.status, 503);
  assert.equal(lines[0]!.method, "POST");
  assert.equal(lines[0]!.path, "/mcp");
  assert.equal(lines[1]!.reason, "max streams");
  assert.equal(lines[1]!.session, "s1");
  assert.equal(lines[1]!.caller, "anonymous");
});

test("max sessions per caller: 429 for that caller's next initialize, other callers pass", async () => {
  const live = new Map<string, number>([["ci-bot", 2]]);
  const admission = createAdmission({
    limits: { maxStreams: 100, maxSessions: 100, maxSessionsPerCaller: 2 },
    usage: () => ({ streams: 0, sessions: 2, sessionsOf: (id) => live.get(id) ?? 0 }),
  });
  const handler = admission.wrap(admission.wrapCaller(() => Promise.resolve(new Response("ok"))));
  const as = (id: string) => {
    const request = post({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} });
    setCaller(request, { id, kind: "api-key", scopes: [] });
    return request;
  };
  const lines = await audited(async () => {
    const refused = await handler(as("ci-bot"));
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("retry-after"), "2");
    const body = await refused.json();
    assert.equal(body.id, null);
    assert.equal(body.error.code, -32000);
    assert.match(body.error.message, /most live sessions \(2\)/);
    assert.equal((await handler(as("other"))).status, 200);
    live.set("anonymous", 5);
    assert.equal((await handler(post(ping(1)))).status, 200, "anonymous is bounded by maxSessions only");
  });
  assert.deepEqual(lines.map((l) => [l.reason, l.caller, l.status]), [["max sessions per caller", "ci-bot", 429]]);
  live.set("ci-bot", 1);
  assert.equal((await handler(as("ci-bot"))).status, 200);
  assert.equal(admission.refused().caller_sessions, 1);
  assert.match(admission.renderMetrics(), /^mcpwire_refused_total\{kind="caller_sessions"\} 1$/m);
  assert.match(admission.renderMetrics(), /^mcpwire_max_sessions_per_caller 2$/m);
});

test("max requests per session: a request past the streams in flight gets 429; responses and notifications pass", async () => {
  const upstream = streamingHandler();
  const admission = createAdmission({
    limits: { maxStreams: 100, maxSessions: 100, maxRequestsPerSession: 2 },
    usage: () => ({ streams: 0, sessions: 1 }),
  });
  const handler = admission.wrap(admission.wrapCaller(upstream.handler));
  const first = await handler(streamed(1));
  const second = await handler(streamed(2));
  assert.equal(first.status, 200);
  assert.equal(second.status, 200);
  const lines = await audited(async () => {
    const third = await handler(streamed(3));
    assert.equal(third.status, 429);
    assert.equal(third.headers.get("retry-after"), "1");
    assert.match((await third.json()).error.message, /most requests in flight \(2\)/);
  });
  assert.deepEqual(lines.map((l) => [l.reason, l.session, l.status]), [["max requests per session", "s", 429]]);
  // A client's response to a server request, and a notification, are never held back.
  assert.equal((await handler(post({ jsonrpc: "2.0", id: 9, result: {} }, "s"))).status, 200);
  assert.equal((await handler(post({ jsonrpc: "2.0", method: "notifications/progress" }, "s"))).status, 200);
  assert.equal((await handler(streamed(4, "other"))).status, 200, "sessions have their own count");
  // What was admitted goes on to its end; then the slots are free again.
  upstream.release();
  await first.body!.cancel();
  await second.text();
  assert.equal((await handler(streamed(5))).status, 200);
  upstream.release();
  assert.equal(admission.refused().session_requests, 1);
});

test("max streams per session: the standalone GET and streamed POST answers count; past it 429", async () => {
  const upstream = streamingHandler();
  const admission = createAdmission({
    limits: { maxStreams: 100, maxSessions: 100, maxStreamsPerSession: 2 },
    usage: () => ({ streams: 0, sessions: 1 }),
  });
  const handler = admission.wrap(admission.wrapCaller(upstream.handler));
  const get = () => new Request("http://127.0.0.1/mcp", { headers: { "mcp-session-id": "s" } });
  const standalone = await handler(get());
  const answer = await handler(streamed(1));
  assert.equal(standalone.status, 200);
  assert.equal(answer.status, 200);
  const lines = await audited(async () => {
    const refused = await handler(get());
    assert.equal(refused.status, 429);
    assert.match((await refused.json()).error.message, /most open streams \(2\)/);
    assert.equal((await handler(post(ping(2), "s"))).status, 429, "a request might open a third stream");
  });
  assert.deepEqual(lines.map((l) => l.reason), ["max streams per session", "max streams per session"]);
  assert.equal((await handler(post({ jsonrpc: "2.0", id: 7, result: {} }, "s"))).status, 200);
  await standalone.body!.cancel();
  assert.equal((await handler(get())).status, 200, "a closed stream frees its place");
  upstream.release();
  await answer.text();
  assert.equal(admission.refused().session_streams, 2);
  assert.match(admission.renderMetrics(), /^mcpwire_max_streams_per_session 2$/m);
});
