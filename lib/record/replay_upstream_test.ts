/** `tapeUpstream` pacing, in process: the recorded offsets, `speed`, and waits that end with the connection. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import type { UpstreamConnection, UpstreamMessage } from "../upstream/types.ts";
import { parseTape } from "./tape.ts";
import { tapeUpstream } from "./replay_upstream.ts";
import { slowCallTape } from "../../testing/tapes.ts";

const CALL: JsonRpcRequest = {
  jsonrpc: "2.0",
  id: 41,
  method: "tools/call",
  params: { name: "slow", arguments: {}, _meta: { progressToken: "p" } },
};

/** Sends `CALL`; returns each message of its stream with its arrival, in ms after the send. */
async function timedCall(connection: UpstreamConnection): Promise<{ ms: number; message: JsonRpcMessage }[]> {
  const started = performance.now();
  const reply = await connection.send([CALL]);
  assert.equal(reply.type, "messages");
  const out: { ms: number; message: JsonRpcMessage }[] = [];
  const reader = (reply as { messages: ReadableStream<UpstreamMessage> }).messages.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push({ ms: performance.now() - started, message: value.message });
  }
}

/**
 * Counts the timers started and not yet fired or cleared while it is installed: a wait that outlives its
 * stream shows up here (a leaked timer would keep a process alive until it fires).
 */
function trackTimers(): { pending(): number; restore(): void } {
  const original = { set: globalThis.setTimeout, clear: globalThis.clearTimeout };
  const live = new Set<unknown>();
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    const id = original.set(() => {
      live.delete(id);
      fn();
    }, ms);
    live.add(id);
    return id;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((id?: ReturnType<typeof setTimeout>) => {
    live.delete(id);
    original.clear(id);
  }) as typeof clearTimeout;
  return {
    pending: () => live.size,
    restore() {
      globalThis.setTimeout = original.set;
      globalThis.clearTimeout = original.clear;
    },
  };
}

function near(actual: number, expected: number, what: string): void {
  const tolerance = Math.max(40, 0.2 * expected);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual.toFixed(1)} ms, expected ${expected} ms`);
}

describe("tapeUpstream pacing", () => {
  const tape = parseTape(slowCallTape({ steps: 3, stepMs: 100, standaloneMs: 250 }));

  test("each message of a response stream keeps its recorded offset from the request", async () => {
    const got = await timedCall(tapeUpstream(tape).connect());
    assert.deepEqual(got.map((g) => "method" in g.message ? g.message.method : "response"), [
      "notifications/progress",
      "notifications/progress",
      "notifications/progress",
      "response",
    ]);
    [100, 200, 300, 300].forEach((expected, i) => near(got[i]!.ms, expected, `message ${i + 1}`));
    // Remapped as before: the new id and progress token.
    assert.equal((got[0]!.message as unknown as { params: { progressToken: unknown } }).params.progressToken, "p");
    assert.equal((got[3]!.message as { id: unknown }).id, 41);
  });

  test("speed scales the offsets; speed 0 sends everything at once", async () => {
    const half = await timedCall(tapeUpstream(tape, { speed: 0.5 }).connect());
    near(half[0]!.ms, 200, "first progress at half speed");
    near(half.at(-1)!.ms, 600, "response at half speed");
    const fast = await timedCall(tapeUpstream(tape, { speed: 0 }).connect());
    assert.equal(fast.length, 4);
    assert.ok(fast.at(-1)!.ms < 25, `speed 0: the response came after ${fast.at(-1)!.ms.toFixed(1)} ms`);
  });

  test("a standalone-stream message keeps its offset from the request it followed", async () => {
    const connection = tapeUpstream(tape).connect();
    const listening = await connection.listen();
    assert.ok(listening instanceof ReadableStream);
    const started = performance.now();
    const call = timedCall(connection);
    const { value } = await listening.getReader().read();
    near(performance.now() - started, 250, "standalone message");
    assert.equal((value!.message as { method: string }).method, "notifications/resources/updated");
    await call;
    await connection.close();
  });

  test("closing the connection ends pending waits at once", { timeout: 5_000 }, async () => {
    // At a hundredth of the pace the first progress is 10 s away; close must not wait for it.
    const timers = trackTimers();
    try {
      const connection = tapeUpstream(tape, { speed: 0.01 }).connect();
      const listening = await connection.listen();
      assert.ok(listening instanceof ReadableStream);
      const call = timedCall(connection);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(timers.pending(), 2, "a wait for the response stream and one for the standalone stream");
      const closed = performance.now();
      await connection.close();
      assert.deepEqual(await call, []);
      assert.equal((await listening.getReader().read()).done, true);
      assert.ok(
        performance.now() - closed < 100,
        `the stream ended ${(performance.now() - closed).toFixed(1)} ms late`,
      );
      assert.equal(timers.pending(), 0);
    } finally {
      timers.restore();
    }
  });

  test("a cancelled response stream stops waiting", { timeout: 5_000 }, async () => {
    const timers = trackTimers();
    try {
      const connection = tapeUpstream(parseTape(slowCallTape({ steps: 3, stepMs: 100 })), { speed: 0.01 }).connect();
      const reply = await connection.send([CALL]);
      assert.equal(reply.type, "messages");
      const reader = (reply as { messages: ReadableStream<UpstreamMessage> }).messages.getReader();
      const read = reader.read();
      await new Promise((resolve) => queueMicrotask(() => resolve(undefined)));
      assert.equal(timers.pending(), 1, "the wait for the first progress");
      await reader.cancel();
      assert.equal((await read).done, true);
      // The connection stays open (a client may still resume other streams); only this stream's wait ended.
      assert.equal(timers.pending(), 0);
      await connection.close();
    } finally {
      timers.restore();
    }
  });

  test("a speed that is negative or not a finite number is refused", () => {
    for (const speed of [-1, Number.NaN, Number.POSITIVE_INFINITY, "2" as unknown as number]) {
      assert.throws(() => tapeUpstream(tape, { speed }), RangeError, `speed ${speed}`);
    }
  });
});
