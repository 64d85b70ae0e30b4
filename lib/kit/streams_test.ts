import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { forEachItem } from "./streams.ts";

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
