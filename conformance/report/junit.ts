/**
 * The JUnit XML report for CI tools: one `<testsuite>` per revision and area, one `<testcase>` per check;
 * `fail` becomes `<failure>`, `skip` becomes `<skipped>`, warnings and info go to `<system-out>`.
 *
 * @module
 */
import { AREAS, type CheckResult, type Report } from "../types.ts";
import { formatEvidence } from "./pretty.ts";

/** Escapes text for XML attributes and content (and drops characters XML 1.0 forbids). */
export function escapeXml(text: string): string {
  return text
    // deno-lint-ignore no-control-regex
    .replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function details(r: CheckResult): string {
  const lines = [r.message];
  if (r.expected !== undefined) lines.push(`expected: ${r.expected}`);
  if (r.actual !== undefined) lines.push(`got: ${r.actual}`);
  lines.push(`spec: ${r.specRef}`);
  for (const e of r.evidence) lines.push(formatEvidence(e));
  return lines.join("\n");
}

function testcase(r: CheckResult): string {
  const open = `    <testcase classname="${escapeXml(r.area)}" name="${escapeXml(`${r.id} ${r.title}`)}" time="${
    (r.durationMs / 1000).toFixed(3)
  }"`;
  switch (r.status) {
    case "pass":
      return `${open}/>`;
    case "fail":
      return `${open}>\n      <failure message="${escapeXml(r.message)}" type="${r.level}">${
        escapeXml(details(r))
      }</failure>\n    </testcase>`;
    case "skip":
      return `${open}>\n      <skipped message="${escapeXml(r.message)}"/>\n    </testcase>`;
    default:
      return `${open}>\n      <system-out>${
        escapeXml(`${r.status.toUpperCase()}: ${details(r)}`)
      }</system-out>\n    </testcase>`;
  }
}

/**
 * Renders `report` as JUnit XML (the Ant/Surefire dialect Jenkins, GitLab and GitHub test reporters read).
 *
 * @example
 * ```ts
 * await io.writeFile("conformance.xml", formatJunit(report));
 * ```
 */
export function formatJunit(report: Report): string {
  const suites: string[] = [];
  for (const revision of report.revisions) {
    for (const area of AREAS) {
      const rows = report.results.filter((r) => r.revision === revision && r.area === area);
      if (rows.length === 0) continue;
      const failures = rows.filter((r) => r.status === "fail").length;
      const skipped = rows.filter((r) => r.status === "skip").length;
      const time = rows.reduce((t, r) => t + r.durationMs, 0) / 1000;
      suites.push(
        `  <testsuite name="${
          escapeXml(`${revision} ${area}`)
        }" tests="${rows.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${
          time.toFixed(3)
        }" timestamp="${report.startedAt.slice(0, 19)}">\n${rows.map(testcase).join("\n")}\n  </testsuite>`,
      );
    }
  }
  const t = report.totals;
  const tests = report.results.length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="mcpwire conformance" tests="${tests}" failures="${t.fail}" errors="0" skipped="${t.skip}">\n${
    suites.join("\n")
  }\n</testsuites>\n`;
}
