/**
 * `replayAgainst` timing differences: the tape's own mock (`tapeUpstream`) is the server, run at the
 * recorded pace (no difference), slower and faster (each message of the stream is a difference), or with
 * timing turned off.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseTape } from "./tape.ts";
import { tapeUpstream } from "./replay_upstream.ts";
import { replayAgainst } from "./against.ts";
import { slowCallTape } from "../../testing/tapes.ts";

// Progress recorded at +150, +300, +450, +600 ms; the response at +600 ms.
const tape = parseTape(slowCallTape({ steps: 4, stepMs: 150 }));

describe("replayAgainst timing", () => {
  test("a server at the recorded pace shows no timing differences", { timeout: 10_000 }, async () => {
    const report = await replayAgainst(tape, tapeUpstream(tape));
    assert.equal(report.requests, 2);
    assert.deepEqual(report.differences, []);
    assert.deepEqual(report.timing, []);
  });

  test("a slower server: every message of the stream is late beyond the tolerance", { timeout: 10_000 }, async () => {
    const report = await replayAgainst(tape, tapeUpstream(tape, { speed: 0.5 }));
    assert.deepEqual(report.differences, []);
    assert.deepEqual(report.timing.map((t) => [t.request, t.message, t.recordedMs, t.toleranceMs]), [
      ["tools/call slow #2", "notifications/progress 1/4", 150, 50],
      ["tools/call slow #2", "notifications/progress 2/4", 300, 60],
      ["tools/call slow #2", "notifications/progress 3/4", 450, 90],
      ["tools/call slow #2", "notifications/progress 4/4", 600, 120],
      ["tools/call slow #2", "response", 600, 120],
    ]);
    for (const t of report.timing) assert.ok(t.actualMs - t.recordedMs > t.toleranceMs, JSON.stringify(t));
  });

  test("a faster server: every message is early", { timeout: 10_000 }, async () => {
    const report = await replayAgainst(tape, tapeUpstream(tape, { speed: 2 }));
    assert.equal(report.timing.length, 5);
    for (const t of report.timing) assert.ok(t.recordedMs - t.actualMs > t.toleranceMs, JSON.stringify(t));
  });

  test("a wider tolerance or timing off leaves only content differences", { timeout: 10_000 }, async () => {
    const wide = await replayAgainst(tape, tapeUpstream(tape, { speed: 0 }), { timing: { toleranceMs: 1_000 } });
    assert.deepEqual(wide.timing, []);
    const ratio = await replayAgainst(tape, tapeUpstream(tape, { speed: 0 }), {
      timing: { toleranceMs: 0, toleranceRatio: 1 },
    });
    assert.deepEqual(ratio.timing, [], "100 % of each recorded offset tolerates any earlier arrival");
    const off = await replayAgainst(tape, tapeUpstream(tape, { speed: 0 }), { timing: false });
    assert.deepEqual(off.timing, []);
    const planted = parseTape(slowCallTape({ steps: 4, stepMs: 150 }).replace("done after 4", "done after 5"));
    const content = await replayAgainst(planted, tapeUpstream(tape, { speed: 0 }), { timing: false });
    assert.deepEqual(content.differences.map((d) => d.path), ["result.content[0].text"]);
  });

  test("a negative tolerance is refused", async () => {
    await assert.rejects(replayAgainst(tape, tapeUpstream(tape), { timing: { toleranceMs: -1 } }), RangeError);
    await assert.rejects(
      replayAgainst(tape, tapeUpstream(tape), { timing: { toleranceRatio: Number.NaN } }),
      RangeError,
    );
  });
});
