/**
 * Test helpers for comparing this suite with the official MCP conformance suite: run one official server
 * scenario with its own CLI (always under Bun: it needs `fs.globSync`, which Node 20 lacks), read its
 * `checks.json`, and compare its verdicts with ours through `conformance/official_map.ts`.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./e2e.ts";
import type { Report } from "../conformance/types.ts";
import {
  knownDisagreement,
  OFFICIAL_MAP,
  type OfficialScenario,
  type OfficialSuite,
  UNMAPPED_CHECKS,
} from "../conformance/official_map.ts";

/** The CLI entry script of each official release (0.1.16 is installed under an npm alias). */
export const OFFICIAL_CLI: Readonly<Record<OfficialSuite, string>> = {
  "0.1": `${ROOT}node_modules/@modelcontextprotocol/conformance-0.1/dist/index.js`,
  "0.2": `${ROOT}node_modules/@modelcontextprotocol/conformance/dist/index.js`,
};

/** The Bun binary the official CLI runs under. */
export const BUN = `${ROOT}node_modules/.bin/bun`;

/** One check of an official `checks.json`. */
export interface OfficialCheck {
  id: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "SKIPPED" | "INFO";
  errorMessage?: string;
}

/**
 * Runs one official scenario against `url` (`conformance server --url … --scenario … --spec-version … -o DIR`)
 * and returns its checks. The CLI exits 1 when a check fails; only a missing `checks.json` is an error.
 *
 * @param timeoutMs upper bound for the whole CLI run (the 0.2 line also gets it as `--timeout`)
 * @throws {Error} When the CLI wrote no results (it crashed or timed out), with the end of its output.
 */
export async function runOfficial(url: string, run: OfficialScenario, timeoutMs = 40_000): Promise<OfficialCheck[]> {
  const dir = mkdtempSync(join(tmpdir(), "mcpwire-official-"));
  const args = [OFFICIAL_CLI[run.suite], "server", "--url", url, "--scenario", run.scenario];
  args.push("--spec-version", run.specVersion, "-o", dir);
  if (run.suite === "0.2") args.push("--timeout", String(timeoutMs - 5_000));
  try {
    const output = await new Promise<string>((resolve) => {
      execFile(BUN, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (_error, stdout, stderr) => {
        resolve(`${stdout}${stderr}`);
      });
    });
    const sub = readdirSync(dir)[0];
    if (!sub) throw new Error(`${run.suite} ${run.scenario} wrote no results: ${output.slice(-800)}`);
    return JSON.parse(readFileSync(join(dir, sub, "checks.json"), "utf8")) as OfficialCheck[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A verdict reduced to what both suites can say: the rule holds, it is broken (MUST or SHOULD), or no verdict. */
export type Verdict = "pass" | "problem" | "none";

/** The official verdict of one check id: FAILURE or WARNING anywhere → problem; else SUCCESS → pass. */
export function officialVerdict(checks: readonly OfficialCheck[], id: string): Verdict {
  const mine = checks.filter((c) => c.id === id);
  if (mine.some((c) => c.status === "FAILURE" || c.status === "WARNING")) return "problem";
  return mine.some((c) => c.status === "SUCCESS") ? "pass" : "none";
}

/** Our verdict on `rule` at `revision`: fail or warn → problem; else pass → pass; skip, info or none → none. */
export function ourVerdict(report: Report, rule: string, revision: string): Verdict {
  const mine = report.results.filter((r) => r.id === rule && r.revision === revision);
  if (mine.some((r) => r.status === "fail" || r.status === "warn")) return "problem";
  return mine.some((r) => r.status === "pass") ? "pass" : "none";
}

/** The checks of one official scenario run. */
export interface OfficialResult {
  run: OfficialScenario;
  checks: OfficialCheck[];
}

/** One compared rule: our verdict and the official one, for one target, release and revision. */
export interface AgreementRow {
  target: string;
  suite: OfficialSuite;
  specVersion: string;
  /** Our rule ID (`-` for an official check the map does not know). */
  rule: string;
  /** The official check ids that judged it. */
  checks: string[];
  official: Verdict;
  ours: Verdict;
  /** agree; a disagreement with a written reason; one without; or only one suite judged it. */
  outcome: "agree" | "explained" | "unexplained" | "one-sided";
  /** What each side said, for a failure message. */
  detail: string;
}

/**
 * Compares the official results of one release at one revision with our report on the same target, rule by
 * rule. Official checks with status INFO, or listed in `UNMAPPED_CHECKS`, are left out; an official check id
 * that is neither mapped nor listed comes back as an `unexplained` row (a new official check needs a
 * decision). A disagreement is explained when every official check on the other side of it has a
 * {@link knownDisagreement} for this target.
 */
export function compare(target: string, results: OfficialResult[], report: Report): AgreementRow[] {
  const rows: AgreementRow[] = [];
  const byRule = new Map<string, { id: string; status: string; text: string }[]>();
  const first = results[0]?.run;
  if (!first) return rows;
  const { suite, specVersion } = first;
  for (const { run, checks } of results) {
    for (const c of checks) {
      if (c.status === "INFO" || c.id in UNMAPPED_CHECKS) continue;
      const text = `${c.id} ${c.status}${c.errorMessage ? ` (${c.errorMessage})` : ""}`;
      const mapping = OFFICIAL_MAP.find((m) => m.check === c.id && m.scenario === run.scenario);
      if (!mapping) {
        rows.push({
          target,
          suite,
          specVersion,
          rule: "-",
          checks: [c.id],
          official: officialVerdict([c], c.id),
          ours: "none",
          outcome: "unexplained",
          detail: `${run.scenario}: not in the map: ${text}`,
        });
        continue;
      }
      byRule.set(mapping.rule, [...byRule.get(mapping.rule) ?? [], { id: c.id, status: c.status, text }]);
    }
  }
  for (const [rule, said] of byRule) {
    const official = officialVerdict(
      said.map((c) => ({ id: rule, status: c.status as OfficialCheck["status"] })),
      rule,
    );
    const ours = ourVerdict(report, rule, specVersion);
    const mine = report.results.filter((r) => r.id === rule && r.revision === specVersion);
    const detail = `official: ${said.map((c) => c.text).join("; ")} | ours: ${
      mine.map((r) => `${r.status} ${r.message}`).join("; ")
    }`;
    let outcome: AgreementRow["outcome"];
    if (official === "none" || ours === "none") outcome = "one-sided";
    else if (official === ours) outcome = "agree";
    else {
      const known = (id: string) => {
        const k = knownDisagreement(id, target, suite);
        return k?.official === official && k.ours === ours;
      };
      // Official problem, ours pass: every official check that reports the problem must be explained.
      // Official pass, ours problem: the official check that should have seen it must be named.
      const explained = official === "problem"
        ? said.filter((c) => c.status === "FAILURE" || c.status === "WARNING").every((c) => known(c.id))
        : said.some((c) => known(c.id));
      outcome = explained ? "explained" : "unexplained";
    }
    rows.push({
      target,
      suite,
      specVersion,
      rule,
      checks: [...new Set(said.map((c) => c.id))],
      official,
      ours,
      outcome,
      detail,
    });
  }
  return rows;
}
