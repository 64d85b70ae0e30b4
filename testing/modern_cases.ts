/**
 * The 2026-07-28 fault-knob cases for the conformance self-tests: which check each knob of the modern reference
 * (`fixtures/servers/modern.ts`) must fail (or, for SHOULD/MAY rules, warn on), and the few other checks the
 * same fault legitimately breaks. `conformance/knobs_test.ts` uses the list to show every check has a knob.
 *
 * @module
 */
import { runConformance } from "../conformance/runner.ts";
import { ALL_CHECKS } from "../conformance/checks/mod.ts";
import type { Report, SuiteRevision } from "../conformance/types.ts";
import { createModernServer, type ModernKnobs } from "../fixtures/servers/modern.ts";
import { FAST, REFERENCE_URL } from "./conformance.ts";

/** One knob and what it must break. */
export interface ModernCase {
  knob: keyof ModernKnobs;
  check: string;
  /** Which server the knob is set on. @default "modern" */
  era?: "modern" | "legacy";
  /** The row is silent or debated: it fails only under --strict. */
  strict?: boolean;
  /** Other MUST checks the same fault legitimately breaks. */
  alsoFails?: string[];
}

/** One knob per rule; `alsoFails` lists the MUST rules that cannot hold once the knob's rule is broken. */
export const MODERN_CASES: ModernCase[] = [
  { knob: "toolsOnOtherPath", check: "T-EP-02" },
  { knob: "acceptResponses", check: "T-POST-11", strict: true },
  { knob: "requestOnStream", check: "T-POST-12" },
  { knob: "noAccelBuffering", check: "T-POST-13" },
  { knob: "latin1Echo", check: "T-POST-14" },
  { knob: "notification200", check: "T-POST-15" },
  { knob: "unknownMethod200", check: "T-RPC-05" },
  { knob: "errorIdWrong", check: "T-RPC-06" },
  { knob: "getNotFound", check: "T-GET-06" },
  { knob: "lastEventId400", check: "T-RES-07" },
  { knob: "mintSessionId", check: "T-SESS-10" },
  { knob: "rememberMeta", check: "T-SESS-11" },
  { knob: "ignoreVersionMismatch", check: "T-PV-06" },
  { knob: "badUnsupportedError", check: "T-PV-07" },
  { knob: "versionHeaderOptional", check: "T-PV-08" },
  { knob: "noMethodHeaderCheck", check: "T-PV-09" },
  // Without an Mcp-Name check, an encoded name that decodes to another tool cannot be rejected either.
  { knob: "noNameHeaderCheck", check: "T-PV-09", alsoFails: ["T-PV-10"] },
  { knob: "noBase64Decode", check: "T-PV-10" },
  { knob: "noParamHeaderCheck", check: "T-PV-11" },
  { knob: "lenientBase64", check: "T-PV-11" },
  { knob: "acceptMissingMeta", check: "T-PV-12" },
  { knob: "ignoreMissingCapability", check: "T-PV-13" },
  { knob: "discoverNoVersions", check: "T-PV-14" },
  { knob: "initializeErrorBare", check: "T-LIFE-05" },
  { knob: "cancelledOnToolStream", check: "T-LIFE-06" },
  { knob: "legacyClaimedNotServed", check: "T-BC-04" },
  { knob: "noHostCheck", check: "T-SEC-04" },
  { knob: "modernErrorOnLegacy", check: "T-BC-03", era: "legacy" },
];

/**
 * Runs the suite against the modern reference (`era`) with `knobs`, in process, with the fast options, at the
 * loopback {@link REFERENCE_URL} (so T-SEC-04 runs too).
 */
export function runAgainstModern(
  era: "modern" | "dual" | "legacy",
  knobs: Partial<ModernKnobs>,
  options: { specVersions?: SuiteRevision[]; strict?: boolean } = {},
): Promise<Report> {
  const server = createModernServer({ era, knobs });
  return runConformance({ url: REFERENCE_URL, fetch: server.fetch }, { ...FAST, ...options });
}

/** The ids of the checks that failed (MUST, or strict rows under --strict). */
export function failures(report: Report): string[] {
  return [...new Set(report.results.filter((r) => r.status === "fail").map((r) => r.id))].sort();
}

/**
 * Runs one case and returns what is wrong with it (empty when the knob fails exactly its check): its own check
 * must fail (MUST, strict) or warn (SHOULD/MAY); nothing else may fail or warn beyond `alsoFails`; a strict
 * row must not fail the run without `--strict`.
 */
export async function runModernCase(c: ModernCase): Promise<string[]> {
  const problems: string[] = [];
  const era = c.era ?? "modern";
  const revision: SuiteRevision = era === "legacy" ? "2025-11-25" : "2026-07-28";
  const report = await runAgainstModern(era, { [c.knob]: true }, {
    specVersions: [revision],
    strict: c.strict ?? false,
  });
  const own = report.results.find((r) => r.id === c.check && r.status !== "skip");
  const level = ALL_CHECKS.find((x) => x.id === c.check && x.revisions.includes(revision))?.level;
  const wanted = level === "MUST" || c.strict ? "fail" : "warn";
  if (own?.status !== wanted) {
    problems.push(`${c.knob}: ${c.check} is ${own?.status} (${own?.message}), expected ${wanted}`);
  }
  const allowed = new Set([c.check, ...(c.alsoFails ?? [])]);
  const extra = report.results.filter((r) => (r.status === "fail" || r.status === "warn") && !allowed.has(r.id));
  if (extra.length > 0) problems.push(`${c.knob}: other checks break too: ${extra.map((r) => `${r.id} ${r.status}`)}`);
  if (c.strict) {
    const lenient = await runAgainstModern(era, { [c.knob]: true }, { specVersions: [revision] });
    if (lenient.exitCode !== 0) problems.push(`${c.knob}: without --strict the run fails (${failures(lenient)})`);
  }
  return problems;
}
