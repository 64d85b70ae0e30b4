/**
 * The HTML report of a conformance run (`mcpwire conformance URL --report report.html`): one self-contained
 * file (inline CSS, no script, nothing fetched) with the verdict, the totals, a summary by revision and by
 * area, and each check with its rule ID, spec reference, verdict, message, and the exact requests and
 * responses that decided it.
 *
 * @module
 */
import type { CheckResult, Evidence, Report, Status } from "../types.ts";

const STATUSES: readonly Status[] = ["pass", "fail", "warn", "info", "skip"];

/** Escapes text for HTML content and attribute values. */
function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Counts of each status in `results`. */
function tally(results: readonly CheckResult[]): Record<Status, number> {
  const out = { pass: 0, fail: 0, warn: 0, info: 0, skip: 0 } as Record<Status, number>;
  for (const r of results) out[r.status]++;
  return out;
}

/** A summary table: one row per group (`revision` or `area`), one column per status. */
function summary(results: readonly CheckResult[], by: "revision" | "area", caption: string): string {
  const groups = new Map<string, CheckResult[]>();
  for (const r of results) {
    const list = groups.get(r[by]) ?? [];
    list.push(r);
    groups.set(r[by], list);
  }
  const head = `<tr><th scope="col">${by}</th>${STATUSES.map((s) => `<th scope="col">${s}</th>`).join("")}</tr>`;
  const rows = [...groups].map(([name, list]) => {
    const t = tally(list);
    return `<tr data-group="${esc(name)}"><th scope="row">${esc(name)}</th>${
      STATUSES.map((s) => `<td data-status="${s}">${t[s]}</td>`).join("")
    }</tr>`;
  });
  return `<table class="summary" data-by="${by}"><caption>${caption}</caption><thead>${head}</thead><tbody>${
    rows.join("")
  }</tbody></table>`;
}

/** A spec reference, linked when it is a URL. */
function specLink(ref: string): string {
  const url = /https?:\/\/\S+/.exec(ref)?.[0];
  return url ? `<a href="${esc(url)}">${esc(ref)}</a>` : esc(ref);
}

/** Headers as `Name: value` lines. */
function headerLines(headers: Record<string, string>): string {
  return Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\n");
}

/** One exchange that decided a check: the request and the response (or why none came). */
function evidence(e: Evidence, n: number): string {
  const req = `${e.request.method} ${e.request.url}\n${headerLines(e.request.headers)}${
    e.request.body !== undefined ? `\n\n${e.request.body}` : ""
  }`;
  const res = e.response
    ? `HTTP ${e.response.status}\n${headerLines(e.response.headers)}${
      e.response.body !== undefined ? `\n\n${e.response.body}` : ""
    }`
    : `(no response${e.error ? `: ${e.error}` : ""})`;
  return `<div class="exchange"><h4>Exchange ${n}: request</h4><pre class="request">${esc(req)}</pre>` +
    `<h4>response</h4><pre class="response">${esc(res)}</pre></div>`;
}

/** One check as a `<details>` block (open when it failed or warned). */
function check(r: CheckResult): string {
  const open = r.status === "fail" || r.status === "warn" ? " open" : "";
  const expected = r.expected !== undefined ? `<p><b>Expected:</b> ${esc(r.expected)}</p>` : "";
  const actual = r.actual !== undefined ? `<p><b>Actual:</b> ${esc(r.actual)}</p>` : "";
  return `<details class="check ${r.status}" data-status="${r.status}" data-id="${esc(r.id)}"${open}>` +
    `<summary><span class="verdict">${r.status.toUpperCase()}</span> <code>${esc(r.id)}</code> ${esc(r.title)} ` +
    `<small>${esc(r.revision)} · ${esc(r.area)} · ${r.level} · ${r.durationMs} ms</small></summary>` +
    `<p><b>Spec:</b> ${specLink(r.specRef)}</p><p>${esc(r.message)}</p>${expected}${actual}` +
    `${r.evidence.map((e, i) => evidence(e, i + 1)).join("")}</details>`;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:1rem auto;max-width:70rem;padding:0 1rem}
table{border-collapse:collapse;margin:0 2rem 1rem 0;display:inline-table}th,td{border:1px solid #8886;padding:2px 8px}
caption{font-weight:bold;text-align:left}pre{white-space:pre-wrap;word-break:break-all;background:#8881;padding:.5rem}
details{border-left:4px solid #8886;margin:.25rem 0;padding:.25rem .5rem}summary{cursor:pointer}
.pass{border-color:#2e7d32}.fail{border-color:#c62828}.warn{border-color:#ef6c00}.info{border-color:#1565c0}
.verdict{font-weight:bold}.fail .verdict{color:#c62828}.pass .verdict{color:#2e7d32}`;

/**
 * Formats a report as one self-contained HTML page.
 *
 * @param report The run's report (the same object `--format json` prints).
 * @returns The HTML text. Counts: `#totals [data-status=S]` holds `report.totals[S]`; each check is a
 * `details.check[data-status]`.
 * @example
 * ```ts ignore
 * const html = formatHtml(await runConformance("http://127.0.0.1:3001/mcp"));
 * ```
 */
export function formatHtml(report: Report): string {
  const totals = STATUSES.map((s) => `<li>${s}: <span data-status="${s}">${report.totals[s] ?? 0}</span></li>`);
  const detection = report.detection.map((d) =>
    `<li>${esc(d.revision)}: ${d.supported ? "supported" : "not supported"} — ${esc(d.note)}</li>`
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>mcpwire conformance: ${esc(report.target)}</title><style>${STYLE}</style></head>
<body><h1>Conformance of <code>${esc(report.target)}</code></h1>
<p id="verdict" data-verdict="${report.verdict}">Verdict: <b>${report.verdict.toUpperCase()}</b>${
    report.strict ? " (strict)" : ""
  } · ${esc(report.startedAt)} – ${esc(report.finishedAt)}</p>
<ul id="totals">${totals.join("")}</ul>
<h2>Revisions detected</h2><ul>${detection.join("")}</ul>
<h2>Summary</h2>${summary(report.results, "revision", "By revision")}${summary(report.results, "area", "By area")}
<h2>Checks (${report.results.length})</h2>
${report.results.map(check).join("\n")}
</body></html>
`;
}
