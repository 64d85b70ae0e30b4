import { test } from "node:test";
import assert from "node:assert/strict";
import { postHeaders, serveProxy } from "../../testing/e2e.ts";
import { initRequest } from "../../testing/messages.ts";
import { exampleUpstream } from "../../testing/downstream.ts";

/** Opens a 2025-06-18 session (no priming events, so nothing else would start a response body). */
async function initialize(endpoint: URL): Promise<string> {
  const init = await fetch(endpoint, {
    method: "POST",
    headers: postHeaders(),
    body: JSON.stringify(initRequest("2025-06-18")),
  });
  await init.body?.cancel();
  return init.headers.get("mcp-session-id")!;
}

// Found by bench/ (scale scenario): Bun sends a response head only with the first body bytes, so an idle
// GET stream looked unanswered until the first event or keep-alive (15 s by default).
test("T-GET-01: the head of an idle GET stream arrives at once, before any event or keep-alive", async () => {
  const served = await serveProxy({ upstream: exampleUpstream(), keepAliveMs: 60_000 });
  try {
    const sessionId = await initialize(served.endpoint);
    const started = Date.now();
    const get = await fetch(served.endpoint, {
      headers: { accept: "text/event-stream", "mcp-session-id": sessionId },
      signal: AbortSignal.timeout(3_000),
    });
    assert.equal(get.status, 200);
    assert.equal(get.headers.get("content-type"), "text/event-stream");
    assert.ok(Date.now() - started < 3_000);
    await get.body?.cancel();
  } finally {
    await served.close();
  }
});

test("T-POST-05: the head of an SSE reply to a slow request without progress arrives before the result", async () => {
  const served = await serveProxy({ upstream: exampleUpstream(), keepAliveMs: 60_000 });
  try {
    const sessionId = await initialize(served.endpoint);
    const started = Date.now();
    // countdown without a progress token: 4 steps of 500 ms and no event until the result.
    const call = await fetch(served.endpoint, {
      method: "POST",
      headers: postHeaders({ "mcp-session-id": sessionId }),
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "countdown", arguments: { steps: 4, intervalMs: 500 } },
      }),
    });
    const headAfter = Date.now() - started;
    assert.equal(call.headers.get("content-type"), "text/event-stream");
    assert.ok(headAfter < 1_500, `head after ${headAfter} ms`);
    assert.match(await call.text(), /Countdown of 4 finished/);
  } finally {
    await served.close();
  }
});
