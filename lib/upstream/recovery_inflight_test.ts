/**
 * A re-initialization while several requests are in flight (T-SESS-07): every request the upstream answered
 * gets its reply, every request whose stream was lost with the session gets its own clear JSON-RPC error, and
 * none gets the generic "ended the stream without a response".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ResilienceEvent, resilientUpstream } from "./resilient.ts";
import { streamableHttpUpstream } from "./streamable_http.ts";
import { collect } from "../../testing/messages.ts";
import { createFixture } from "../../testing/upstream_fixture.ts";
import { initRequest } from "../../testing/messages.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import type { UpstreamReply } from "./types.ts";

const FAST = { initialDelayMs: 10, maxDelayMs: 40, maxAttempts: 3 };
const INITIALIZED: JsonRpcMessage = { jsonrpc: "2.0", method: "notifications/initialized" };

async function messagesOf(reply: UpstreamReply): Promise<JsonRpcMessage[]> {
  assert.equal(reply.type, "messages", `reply was ${reply.type}`);
  return reply.type === "messages" ? (await collect(reply.messages)).map((i) => i.message) : [];
}

const slow = (id: number, args: Record<string, unknown>): JsonRpcMessage => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "slow", arguments: args },
});

test("a re-initialize in the middle of several in-flight requests delivers every answered reply or a per-request error", async () => {
  const fixture = createFixture({ stepMs: 20 });
  // The upstream restarts just as the first broken stream tries to resume: its GET with Last-Event-ID finds
  // the session gone (404), which starts a recovery while the other requests are still streaming.
  let restarted = false;
  const restartOnResume: typeof fetch = (input, init_) => {
    const request = new Request(input, init_);
    if (!restarted && request.method === "GET" && request.headers.has("last-event-id")) {
      restarted = true;
      fixture.forgetAll();
    }
    return fixture.handler(request);
  };
  const events: ResilienceEvent[] = [];
  const upstream = resilientUpstream(
    streamableHttpUpstream({ url: "http://upstream.test/mcp", fetch: restartOnResume, reconnect: FAST }),
    { recovery: FAST, onEvent: (e) => events.push(e) },
  );
  const conn = upstream.connect();
  await messagesOf(await conn.send([initRequest(undefined, "c")]));
  await conn.send([INITIALIZED]);

  // Two calls whose connections break after the priming event and one progress (they must resume, and cannot),
  // and two that stream on, unbroken, for longer than the recovery takes (the upstream answers them).
  const sent = await Promise.all([
    conn.send([slow(1, { steps: 6, cutAfterEvents: 2 })]),
    conn.send([slow(2, { steps: 6, cutAfterEvents: 2 })]),
    conn.send([slow(3, { steps: 8 })]),
    conn.send([slow(4, { steps: 8 })]),
  ]);
  const replies = await Promise.all(sent.map(messagesOf));
  const last = replies.map((r) =>
    r.at(-1) as { id: number; result?: unknown; error?: { code: number; message: string } }
  );

  for (const reply of last.slice(0, 2)) {
    assert.equal(reply.error?.code, -32003, JSON.stringify(reply));
    assert.match(reply.error!.message, /forgot session session-1/);
  }
  for (const [i, reply] of last.slice(2).entries()) {
    assert.deepEqual(reply, {
      jsonrpc: "2.0",
      id: i + 3,
      result: { content: [{ type: "text", text: "done after 8 steps" }] },
    });
  }
  // Exactly one recovery, and the new session serves what follows.
  assert.deepEqual(events.map((e) => e.type), ["session-lost", "reinitialized"]);
  const ping = await messagesOf(await conn.send([{ jsonrpc: "2.0", id: 5, method: "ping" }]));
  assert.deepEqual(ping, [{ jsonrpc: "2.0", id: 5, result: {} }]);
  assert.equal(fixture.seen.at(-1)?.headers.get("mcp-session-id"), "session-2");
  // The old connection was closed once its replies were over: its DELETE went out (no leak).
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(fixture.seen.some((s) => s.method === "DELETE" && s.headers.get("mcp-session-id") === "session-1"));
  await conn.close();
});
