import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { forEachItem, onStreamEnd, reportsEnd } from "./streams.ts";
import { closeSse, KeepAlive, openSseBody } from "../session/sse_connection.ts";

describe("forEachItem", () => {
  test("visits every item in order, awaiting async callbacks", async () => {
    const seen: number[] = [];
    const stream = new ReadableStream<number>({
      start(c) {
        for (const n of [1, 2, 3]) c.enqueue(n);
        c.close();
      },
    });
    await forEachItem(stream, async (n) => {
      await new Promise((r) => setTimeout(r, 1));
      seen.push(n);
    });
    assert.deepEqual(seen, [1, 2, 3]);
  });

  test("a failing callback cancels the stream and the error reaches the caller", async () => {
    let cancelled: unknown;
    const stream = new ReadableStream<number>({
      pull(c) {
        c.enqueue(1);
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const boom = new Error("boom");
    await assert.rejects(
      forEachItem(stream, () => {
        throw boom;
      }),
      boom,
    );
    assert.equal(cancelled, boom);
  });
});

describe("onStreamEnd on streams that report their own end", () => {
  test("hooks onto the stream itself (no second stream) and runs each hook once", () => {
    const stream = new ReadableStream<number>();
    const ended = reportsEnd(stream);
    let calls = 0;
    assert.equal(onStreamEnd(stream, () => calls++), stream);
    ended();
    ended();
    assert.equal(calls, 1);
    // After its end a stream is an ordinary one again: a new hook wraps it.
    assert.notEqual(onStreamEnd(stream, () => calls++), stream);
  });

  test("an SSE body ends for its watchers when closed, and when the client cancels it", async () => {
    const keepAlive = new KeepAlive(0);
    const closed = openSseBody(keepAlive);
    let ends = 0;
    assert.equal(onStreamEnd(closed.body, () => ends++), closed.body);
    closeSse(closed.connection, keepAlive);
    assert.equal(ends, 1);
    const cancelled = openSseBody(keepAlive);
    assert.equal(onStreamEnd(cancelled.body, () => ends++), cancelled.body);
    await cancelled.body.cancel();
    assert.equal(ends, 2);
    // A body closed while it was being opened has already ended: it is wrapped as before.
    const early = openSseBody(keepAlive, { start: (c) => closeSse(c, keepAlive) });
    assert.notEqual(onStreamEnd(early.body, () => ends++), early.body);
  });
});
