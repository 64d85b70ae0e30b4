import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createTapeRecorder } from "./recorder.ts";
import { parseTape } from "./tape.ts";
import { createInterceptorChain } from "../intercept/chain.ts";

describe("tape recorder", () => {
  test("writes a header, then messages in batches, never one write per message", async () => {
    const writes: string[] = [];
    const recorder = createTapeRecorder({
      write: (t) => Promise.resolve(void writes.push(t)),
      upstream: "u",
      flushMs: 10_000,
    });
    for (let i = 0; i < 100; i++) {
      recorder.onMessage({
        direction: "client-to-server",
        receivedAt: i,
        sessionId: "s",
        stream: "post",
        message: { jsonrpc: "2.0", id: i, method: "ping" },
      });
    }
    assert.equal(writes.length, 0);
    await recorder.close();
    assert.equal(writes.length, 1);
    const tape = parseTape(writes.join(""));
    assert.equal(tape.header?.upstream, "u");
    assert.equal(tape.records.length, 100);
  });

  test("the recorded message is a copy taken at once: later changes do not leak in", async () => {
    let text = "";
    const recorder = createTapeRecorder({ write: (t) => Promise.resolve(void (text += t)) });
    const message = { jsonrpc: "2.0" as const, id: 1, method: "tools/call", params: { name: "a" } };
    recorder.onMessage({ direction: "client-to-server", receivedAt: 1, message });
    message.params.name = "changed";
    await recorder.close();
    assert.match(text, /"name":"a"/);
  });

  test("as an interceptor it records what passes and changes nothing", async () => {
    let text = "";
    const recorder = createTapeRecorder({ write: (t) => Promise.resolve(void (text += t)) });
    const chain = createInterceptorChain([recorder.interceptor]);
    const out = await chain.run({
      direction: "server-to-client",
      receivedAt: 5,
      stream: "get",
      upstreamEventId: "e9",
      eventId: "3.1",
      message: { jsonrpc: "2.0", method: "n" },
    });
    assert.deepEqual(out, { type: "forward", message: { jsonrpc: "2.0", method: "n" }, inject: [] });
    await recorder.close();
    const [record] = parseTape(text).records;
    assert.deepEqual(record, {
      type: "message",
      at: 5,
      direction: "server-to-client",
      message: { jsonrpc: "2.0", method: "n" },
      stream: "get",
      eventId: "3.1",
      upstreamEventId: "e9",
    });
  });

  test("wrap records each HTTP exchange with its status and only the headers that matter", async () => {
    let text = "";
    const recorder = createTapeRecorder({ write: (t) => Promise.resolve(void (text += t)) });
    const handler = recorder.wrap(() =>
      Promise.resolve(new Response(null, { status: 202, headers: { "mcp-session-id": "abc", "x-other": "1" } }))
    );
    const response = await handler(
      new Request("http://127.0.0.1/mcp", {
        method: "POST",
        headers: { authorization: "Bearer secret", "mcp-protocol-version": "2025-06-18", cookie: "c=1" },
      }),
    );
    assert.equal(response.status, 202);
    await recorder.close();
    const [record] = parseTape(text).records;
    assert.equal(record?.type, "http");
    if (record?.type !== "http") return;
    assert.equal(record.status, 202);
    assert.equal(record.session, "abc");
    assert.deepEqual(record.request.headers, { "mcp-protocol-version": "2025-06-18" });
    assert.deepEqual(record.response.headers, { "mcp-session-id": "abc" });
    assert.doesNotMatch(text, /secret|cookie/i);
  });
});
