import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_CONCURRENCY } from "./runner.ts";
import { runAgainstReference } from "../testing/conformance.ts";
import type { Knobs } from "../fixtures/servers/reference.ts";
import type { ProgressEvent, Report } from "./types.ts";
import { _parseArgs } from "./cli_args.ts";

/** Each result as `ID@revision status`, in report order. */
function verdicts(report: Report): string[] {
  return report.results.map((r) => `${r.id}@${r.revision} ${r.status}`);
}

/** Runs the suite against a reference fixture with `concurrency`, recording the progress events' order. */
async function run(knobs: Partial<Knobs>, concurrency?: number): Promise<{ report: Report; progress: string[] }> {
  const progress: string[] = [];
  const onProgress = (e: ProgressEvent) =>
    progress.push(
      e.type === "result"
        ? `${e.result.id}@${e.result.revision}`
        : `${e.type} ${"revision" in e ? e.revision : e.detection.revision}`,
    );
  const report = await runAgainstReference({ knobs }, { onProgress, ...(concurrency ? { concurrency } : {}) });
  return { report, progress };
}

/** Asserts that a sequential run and a default (concurrent) run give the same verdicts in the same order. */
async function assertSameAsSequential(knobs: Partial<Knobs>): Promise<Report> {
  const sequential = await run(knobs, 1);
  const concurrent = await run(knobs);
  assert.ok(sequential.report.results.length > 50, `only ${sequential.report.results.length} results`);
  assert.deepEqual(verdicts(concurrent.report), verdicts(sequential.report));
  assert.deepEqual(concurrent.progress, sequential.progress);
  assert.equal(concurrent.report.verdict, sequential.report.verdict);
  return sequential.report;
}

describe("concurrent checks", () => {
  it("the default runs more than one check at a time", () => {
    assert.ok(DEFAULT_CONCURRENCY > 1);
  });

  it("give the same verdicts as a sequential run against the reference fixture", { timeout: 120_000 }, async () => {
    const report = await assertSameAsSequential({});
    assert.equal(report.verdict, "pass");
  });

  it("give the same verdicts as a sequential run against a knob-broken fixture", { timeout: 120_000 }, async () => {
    // Faults in areas with waits (resumption, cancellation, GET streams) and in shared state (sessions, Host).
    const report = await assertSameAsSequential({
      resumeLosesResponse: true,
      ignoreCancellation: true,
      progressOnGet: true,
      rotateSessionId: true,
      noHostCheck: true,
    });
    const failed = new Set(report.results.filter((r) => r.status !== "pass").map((r) => r.id));
    for (const id of ["T-RES-02", "T-LIFE-04", "T-GET-04", "T-SESS-01", "T-SEC-04"]) {
      assert.ok(failed.has(id), `${id} did not notice its knob`);
    }
  });

  it("reject a concurrency that is not a whole number of at least 1", async () => {
    await assert.rejects(runAgainstReference({}, { concurrency: 0 }), TypeError);
    await assert.rejects(runAgainstReference({}, { concurrency: 1.5 }), TypeError);
  });

  it("are set with --concurrency", () => {
    assert.equal(_parseArgs(["http://127.0.0.1:1/mcp", "--concurrency", "2"]).options.concurrency, 2);
    assert.throws(() => _parseArgs(["http://127.0.0.1:1/mcp", "--concurrency", "0"]), /concurrency/);
  });
});
