import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MODERN_CASES, runModernCase } from "../testing/modern_cases.ts";
import { MODERN_KNOB_NAMES } from "../fixtures/servers/modern.ts";

describe("2026-07-28 fault knobs", () => {
  it("every modern knob has a case", () => {
    assert.deepEqual([...new Set(MODERN_CASES.map((c) => c.knob))].sort(), [...MODERN_KNOB_NAMES].sort());
  });

  it("each knob fails its own check and only the checks declared with it", { timeout: 60_000 }, async () => {
    const problems: string[] = [];
    for (let i = 0; i < MODERN_CASES.length; i += 9) {
      const batch = await Promise.all(MODERN_CASES.slice(i, i + 9).map(runModernCase));
      problems.push(...batch.flat());
    }
    assert.deepEqual(problems, []);
  });

  it("the case machinery can fail: a knob declared against the wrong check is reported", async () => {
    const problems = await runModernCase({ knob: "unknownMethod200", check: "T-PV-14" });
    assert.equal(problems.length, 2, problems.join("\n"));
  });
});
