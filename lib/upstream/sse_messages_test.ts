import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Reconnection, resumableMessages, type StreamCursor } from "./sse_messages.ts";
import { backoffDelay, type ResolvedBackoff } from "../kit/backoff.ts";
import { collect } from "../../testing/messages.ts";

const FAST: ResolvedBackoff = { initialDelayMs: 10, maxDelayMs: 40, maxAttempts: 3 };

/** An SSE body of `frames`, one per read, ending cleanly or with a network error once they were read. */
function body(frames: string[], end: "close" | "error" = "close"): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const queue = [...frames];
  return new ReadableStream({
    pull(c) {
      const next = queue.shift();
      if (next !== undefined) c.enqueue(enc.encode(next));
      else if (end === "close") c.close();
      else c.error(new TypeError("connection reset"));
    },
  }, { highWaterMark: 0 });
}

const msg = (id: string, n: number) =>
  `id: ${id}\nevent: message\ndata: {"jsonrpc":"2.0","method":"n","params":{"n":${n}}}\n\n`;
const result = (id: string) => `id: ${id}\nevent: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n`;
const isResult = (m: unknown) => typeof m === "object" && m !== null && "result" in m;

describe("resumableMessages", () => {
  test("events replayed twice by the upstream are delivered once", async () => {
    const asked: (string | undefined)[] = [];
    const stream = resumableMessages({
      first: body([msg("a", 1), msg("b", 2)], "error"),
      maxEventSize: 1 << 20,
      resume: "with-id",
      backoff: FAST,
      complete: isResult,
      // A sloppy upstream replays from the start of the stream.
      reconnect: (lastEventId) => {
        asked.push(lastEventId);
        return Promise.resolve({ type: "stream", body: body([msg("a", 1), msg("b", 2), msg("c", 3), result("d")]) });
      },
    });
    const items = await collect(stream);
    assert.deepEqual(items.map((i) => i.eventId), ["a", "b", "c", "d"]);
    assert.deepEqual(asked, ["b"]);
  });

  test("the server's retry sets the first delay; failures back off further; then it gives up with an error", async () => {
    const delays: number[] = [];
    const cursor: StreamCursor = {};
    const stream = resumableMessages({
      first: body(["retry: 30\n\n", msg("a", 1)], "error"),
      maxEventSize: 1 << 20,
      resume: "with-id",
      backoff: FAST,
      cursor,
      onReconnect: (i) => delays.push(i.delayMs),
      reconnect: (): Promise<Reconnection> => Promise.resolve({ type: "failed", reason: "503" }),
    });
    await assert.rejects(collect(stream), { name: "UpstreamUnavailableError", message: /after 3 attempts/ });
    assert.equal(cursor.retryMs, 30);
    assert.equal(delays[0], 30);
    assert.equal(delays.length, 3);
    for (const [i, d] of delays.entries()) assert.ok(d >= 30, `delay ${i} = ${d}`);
  });

  test("a lost session surfaces as UpstreamSessionLostError; 'none' ends the stream quietly", async () => {
    const lost = resumableMessages({
      first: body([msg("a", 1)], "error"),
      maxEventSize: 1 << 20,
      resume: "with-id",
      backoff: FAST,
      reconnect: () => Promise.resolve({ type: "lost", reason: "404" }),
    });
    await assert.rejects(collect(lost), { name: "UpstreamSessionLostError" });
    const none = resumableMessages({
      first: body([msg("a", 1)], "close"),
      maxEventSize: 1 << 20,
      resume: "always",
      backoff: FAST,
      reconnect: () => Promise.resolve({ type: "none" }),
    });
    assert.equal((await collect(none)).length, 1);
  });

  test("cancelling stops reconnection at once", async () => {
    let reconnects = 0;
    const stream = resumableMessages({
      first: body([msg("a", 1)], "close"),
      maxEventSize: 1 << 20,
      resume: "always",
      backoff: { initialDelayMs: 10_000, maxDelayMs: 10_000, maxAttempts: 3 },
      reconnect: () => {
        reconnects++;
        return Promise.resolve({ type: "none" });
      },
    });
    const reader = stream.getReader();
    await reader.read();
    const pending = reader.read();
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await reader.cancel();
    await pending.catch(() => {});
    assert.ok(Date.now() - started < 1_000);
    assert.equal(reconnects, 0);
  });
});

describe("backoffDelay", () => {
  test("doubles from the initial delay, stays within [half, all] of it, and is capped", () => {
    const b: ResolvedBackoff = { initialDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 5 };
    assert.equal(backoffDelay(0, b, () => 0), 50);
    assert.equal(backoffDelay(0, b, () => 0.999999), 100);
    assert.equal(backoffDelay(2, b, () => 0), 200);
    assert.equal(backoffDelay(10, b, () => 0.999999), 1_000);
  });
});
