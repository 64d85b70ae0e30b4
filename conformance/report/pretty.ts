/**
 * The human-readable report: grouped by revision, then area; one row per check with a symbol; failures and
 * warnings explain what was expected, what came back, and show the trimmed request and response.
 *
 * @module
 */
import {
  AREAS,
  type CheckResult,
  type Era,
  eraOf,
  type Evidence,
  type ProgressEvent,
  type Report,
  type Status,
} from "../types.ts";

/** How a revision heading names its era (T-BC-03/04: the report shows which era each check ran in). */
const ERA_LABEL: Record<Era, string> = {
  legacy: "era: legacy (initialize handshake, sessions)",
  modern: "era: modern (stateless, per-request _meta)",
};

/** Options of the pretty reporter. */
export interface PrettyOptions {
  /** Use ANSI colours (only when writing to a terminal). @default false */
  color?: boolean;
}

const SYMBOL: Record<Status, string> = { pass: "✔", fail: "✘", warn: "!", skip: "–", info: "i" };
const COLOR: Record<Status, number> = { pass: 32, fail: 31, warn: 33, skip: 90, info: 36 };
const SHOWN_REQUEST_HEADERS = [
  "content-type",
  "accept",
  "mcp-session-id",
  "mcp-protocol-version",
  "last-event-id",
  "origin",
  "authorization",
];
const SHOWN_RESPONSE_HEADERS = ["content-type", "mcp-session-id", "allow", "www-authenticate", "location"];

function paint(on: boolean, code: number, text: string): string {
  return on ? `\x1b[${code}m${text}\x1b[0m` : text;
}

function indent(text: string, prefix: string): string {
  return text.split("\n").map((line) => prefix + line).join("\n");
}

/** Renders one evidence record as `→ request` / `← response` lines. */
export function formatEvidence(e: Evidence, color = false): string {
  const lines: string[] = [];
  lines.push(paint(color, 1, `→ ${e.request.method} ${e.request.url}`));
  for (const name of SHOWN_REQUEST_HEADERS) {
    const value = e.request.headers[name];
    if (value !== undefined) lines.push(`  ${name}: ${value}`);
  }
  if (e.request.body) lines.push(indent(e.request.body, "  "));
  if (e.response) {
    lines.push(paint(color, 1, `← HTTP ${e.response.status}`));
    for (const name of SHOWN_RESPONSE_HEADERS) {
      const value = e.response.headers[name];
      if (value !== undefined) lines.push(`  ${name}: ${value}`);
    }
    if (e.response.body) lines.push(indent(e.response.body.trimEnd(), "  "));
  }
  if (e.error) lines.push(`  (${e.error})`);
  return lines.join("\n");
}

/**
 * Renders one result row (and, for fail/warn, its explanation and evidence). `seenIn` names a revision whose
 * identical failure was already shown with evidence; the row then refers to it instead of repeating it.
 */
export function formatResult(r: CheckResult, options: PrettyOptions = {}, seenIn?: string): string {
  const color = options.color ?? false;
  const head = `${paint(color, COLOR[r.status], SYMBOL[r.status])} ${r.id} ${r.title}`;
  if (r.status === "pass") return `    ${head}`;
  if (r.status === "skip") return `    ${head} ${paint(color, 90, `(skipped: ${r.message})`)}`;
  if (r.status === "info") return `    ${head}\n        ${paint(color, 36, r.message)}`;
  const lines = [`    ${head} ${paint(color, 90, `[${r.level}]`)}`, `        ${r.message}`];
  if (seenIn !== undefined) {
    lines.push(paint(color, 90, `        (same as in ${seenIn}; evidence shown there)`));
    return lines.join("\n");
  }
  if (r.expected !== undefined) lines.push(`        expected: ${r.expected}`);
  if (r.actual !== undefined) lines.push(`        got:      ${r.actual}`);
  lines.push(`        spec:     ${r.specRef}`);
  for (const e of r.evidence) lines.push(indent(formatEvidence(e, color), "        "));
  return lines.join("\n");
}

/** One-line verdict: `PASS — …` or `FAIL — n MUST requirements broken (…)`. */
export function formatVerdict(report: Report): string {
  const failed = report.results.filter((r) => r.status === "fail");
  if (report.results.length === 0) return "PASS — nothing was checked (see the revisions above)";
  if (failed.length === 0) {
    const warn = report.totals.warn;
    return `PASS — no MUST requirement broken${warn ? ` (${warn} warning${warn === 1 ? "" : "s"} to look at)` : ""}`;
  }
  const ids = [...new Set(failed.map((r) => r.id))];
  const rules = `${ids.length} ${report.strict ? "" : "MUST "}rule${ids.length === 1 ? "" : "s"} broken${
    report.strict ? " (strict)" : ""
  }`;
  const rows = failed.length > ids.length ? ` (${failed.length} failed checks across revisions)` : "";
  return `FAIL — ${rules}${rows}: ${ids.slice(0, 8).join(", ")}${ids.length > 8 ? ", …" : ""}`;
}

/**
 * Renders the whole report.
 *
 * @example
 * ```ts
 * io.stdout(formatPretty(report, { color: io.isTTY }));
 * ```
 */
export function formatPretty(report: Report, options: PrettyOptions = {}): string {
  const color = options.color ?? false;
  const out: string[] = [
    paint(color, 1, `mcpwire conformance — ${report.target}${report.strict ? " (strict)" : ""}`),
    "",
  ];
  out.push("Revisions:");
  for (const d of report.detection) {
    out.push(
      `  ${d.supported ? paint(color, 32, "✔") : paint(color, 90, "–")} ${d.revision}  ${paint(color, 90, d.note)}`,
    );
  }
  if (report.revisions.length === 0) {
    out.push(paint(color, 33, "  Nothing to check: no revision in this suite's range is spoken here (see above)."));
  } else if (!report.detection.some((d) => d.supported)) {
    out.push(
      paint(color, 31, "  No revision could be initialized; T-EP-01 and T-LIFE-01 (2025-11-25) show what came back."),
    );
  }
  out.push(
    "",
    paint(
      color,
      90,
      `Legend: ${paint(color, 32, "✔")} pass  ${paint(color, 31, "✘")} fail (a MUST is broken)  ${
        paint(color, 33, "!")
      } warning (SHOULD/MAY, or tolerated)  – skipped  i info`,
    ),
  );
  const shown = new Map<string, string>();
  for (const revision of report.revisions) {
    out.push("", paint(color, 1, revision), paint(color, 90, `  ${ERA_LABEL[eraOf(revision)]}`));
    for (const area of AREAS) {
      const rows = report.results.filter((r) => r.revision === revision && r.area === area);
      if (rows.length === 0) continue;
      out.push(`  ${area}`);
      for (const r of rows) {
        const key = `${r.id}\u0000${r.status}\u0000${r.message}`;
        out.push(formatResult(r, options, shown.get(key)));
        if (!shown.has(key)) shown.set(key, revision);
      }
    }
  }
  const t = report.totals;
  out.push(
    "",
    `Totals: ${paint(color, 32, `${t.pass} passed`)}, ${paint(color, 31, `${t.fail} failed`)}, ${
      paint(color, 33, `${t.warn} warning${t.warn === 1 ? "" : "s"}`)
    }, ${t.skip} skipped, ${t.info} info`,
  );
  out.push(paint(color, report.verdict === "pass" ? 32 : 31, formatVerdict(report)));
  return out.join("\n") + "\n";
}

/**
 * A progress line for stderr, or undefined when the event needs none. With `live` (a terminal), passing
 * rows rewrite one status line in place; failures and warnings always get a line of their own.
 */
export function formatProgress(
  event: ProgressEvent,
  options: PrettyOptions & { live?: boolean } = {},
): string | undefined {
  const color = options.color ?? false;
  const clear = options.live ? "\r\x1b[2K" : "";
  switch (event.type) {
    case "detect":
      return `${clear}${
        event.detection.supported ? "found" : "no   "
      } ${event.detection.revision}: ${event.detection.note}\n`;
    case "start":
      return `${clear}checking ${event.revision} (${event.checks} checks)…\n`;
    case "result": {
      const r = event.result;
      const counter = `[${event.done}/${event.total}]`;
      if (r.status === "pass" || r.status === "skip" || r.status === "info") {
        return options.live
          ? `${clear}  ${counter} ${paint(color, COLOR[r.status], SYMBOL[r.status])} ${r.revision} ${r.id}`
          : undefined;
      }
      const line = `${clear}  ${counter} ${
        paint(color, COLOR[r.status], SYMBOL[r.status])
      } ${r.revision} ${r.id} ${r.message}\n`;
      return line;
    }
  }
}
