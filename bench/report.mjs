/**
 * Turns the rows of a run into Markdown tables, a target check (met / missed, with why), and an SVG chart
 * of p50/p99 latency per target.
 */

const f = (v, digits = 2) => (v === null || v === undefined || Number.isNaN(v) ? "–" : Number(v).toFixed(digits));
const table = (head, rows) =>
  [`| ${head.join(" | ")} |`, `|${head.map((_h, i) => (i === 0 ? "---" : "---:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
const problem = (r) => (r.skip ? `skipped: ${r.skip}` : r.error ? `error: ${r.error}` : null);

function overheadTable(rows, kind) {
  const mine = rows.filter((r) => r.scenario === "overhead" && r.upstream === kind);
  const out = [];
  for (const sessions of [...new Set(mine.map((r) => r.sessions))]) {
    const group = mine.filter((r) => r.sessions === sessions);
    const base = group[0];
    for (const r of group) {
      const p = problem(r);
      if (p) {
        out.push([String(sessions), r.target, p, "", "", "", "", "", "", ""]);
        continue;
      }
      const ratio = r.ratio;
      const added = r.p99Added;
      out.push([
        String(sessions),
        r.target,
        f(r.callsPerSec, 0),
        r === base ? "1.00" : f(ratio),
        f(r.p50),
        f(r.p90),
        f(r.p99),
        r === base || added === null || added === undefined ? "" : (added >= 0 ? "+" : "") + f(added),
        f(r.cpuUsPerCall, 0),
        `${f(r.rssMb, 0)}${r.errors ? ` (${r.errors} errors)` : ""}`,
      ]);
    }
  }
  return table(["sessions", "target", "calls/s", `× ${kind === "stdio" ? "direct stdio" : "direct"}`, "p50 ms", "p90 ms", "p99 ms", "p99 added ms", "proxy CPU µs/call", "proxy RSS MB"], out);
}

function streamingTable(rows, shapes = {}) {
  const mine = rows.filter((r) => r.scenario === "streaming");
  const base = mine.find((r) => r.target === "direct");
  const big = (b) =>
    b
      ? `${f(b.mbPerSec, 0)} MB/s${b.result ? "" : " (no result!)"}, first event ${f(b.firstEventMs, 1)} ms${b.rssBefore === null ? "" : `, RSS ${f(b.rssBefore, 0)} → ${f(b.rssPeak, 0)} MB (+${f(b.rssPeak - b.rssBefore, 0)})`}`
      : "–";
  const latency = table(
    ["target", "events", "pass-through p50 ms", "p90 ms", "p99 ms", "p99 added ms"],
    mine.map((r) => {
      const p = problem(r);
      if (p) return [r.target, p, "", "", "", ""];
      return [r.target, String(r.events), f(r.p50), f(r.p90), f(r.p99), r === base || !base?.p99 ? "" : f(r.p99 - base.p99)];
    }),
  );
  const keys = Object.keys(shapes);
  const label = (k) => {
    const { count, size, pauseMs } = shapes[k];
    const mb = (count * size) / 1048576;
    const label = `${mb >= 1 ? `${f(mb, 0)} MB` : `${f(mb * 1024, 0)} KB`} in ${size >= 1024 ? `${size / 1024} KB` : `${size} B`} events`;
    return pauseMs ? `${label}, client reads nothing for ${pauseMs / 1000} s` : label;
  };
  const volume = table(
    ["target", ...keys.map(label)],
    mine.filter((r) => !problem(r)).map((r) => [r.target, ...keys.map((k) => big(r[k]))]),
  );
  return `${latency}\n\nBig streams (client throughput, time to the first event, proxy RSS before → peak while streaming):\n\n${volume}`;
}

function scaleTable(rows) {
  const notes = rows.filter((r) => r.scenario === "scale" && r.note).map((r) => `- ${r.target}, ${r.streams} streams: ${r.note}`);
  return [table(
    ["target", "streams", "opened", "open time s", "proxy RSS idle MB", "RSS with streams MB", "KB per stream", "notifications delivered", "delivery p99 ms"],
    rows.filter((r) => r.scenario === "scale").map((r) => {
      const p = problem(r);
      if (p) return [r.target, String(r.streams), p, "", "", "", "", "", ""];
      return [r.target, String(r.streams), `${r.opened}${r.failed ? ` (${r.failed} failed)` : ""}`, f(r.openSeconds, 1), f(r.rssIdle, 0), f(r.rssOpen, 0), f(r.kbPerStream, 1), `${r.delivered}/${r.opened}`, f(r.deliverP99, 1)];
    }),
  ), ...(notes.length ? ["", ...notes] : [])].join("\n");
}

function recoveryTable(rows) {
  return table(
    ["target", "case", "result", "time to a successful call ms"],
    rows.filter((r) => r.scenario === "recovery").map((r) => {
      const p = problem(r);
      if (p) return [r.target, r.case, p, ""];
      return [r.target, r.case, r.ok ? "recovered" : `not supported yet (${String(r.failure).slice(0, 90)})`, r.ok ? f(r.ms, 0) : "–"];
    }),
  );
}

/** The target check: one line per target with the measured value and met / missed. */
export function checkTargets(rows) {
  const out = [];
  const ov = (kind, sessions, target) => rows.find((r) => r.scenario === "overhead" && r.upstream === kind && r.sessions === sessions && r.target === target);
  for (const runtime of ["Deno", "Bun"]) {
    const target = `mcpwire (${runtime})`;
    const direct = ov("http", 10, "direct");
    const mine = ov("http", 10, target);
    if (direct?.callsPerSec && mine?.ratio != null) {
      out.push({ target: `${target}: calls/s ≥ 0.90 × direct (10 sessions)`, value: `${f(mine.ratio)} ×`, met: mine.ratio >= 0.9 });
      out.push({ target: `${target}: p99 added ≤ 2 ms (10 sessions, back to back)`, value: `${f(mine.p99Added)} ms`, met: mine.p99Added <= 2 });
    }
    const paced = ov("http-paced", 10, target);
    if (paced?.p99Added != null) {
      out.push({ target: `${target}: p99 added ≤ 2 ms (10 sessions, ${paced.pacedRate} calls/s in all)`, value: `${f(paced.p99Added)} ms`, met: paced.p99Added <= 2 });
    }
    const bridges = ["supergateway", "mcp-proxy"].map((t) => ov("stdio", 10, t)).filter((r) => r?.callsPerSec);
    const stdio = ov("stdio", 10, target);
    if (stdio?.callsPerSec && bridges.length) {
      const best = Math.max(...bridges.map((r) => r.callsPerSec));
      out.push({ target: `${target}: stdio calls/s ≥ best npm bridge (10 sessions)`, value: `${f(stdio.callsPerSec, 0)} vs ${f(best, 0)}`, met: stdio.callsPerSec >= best });
    }
    for (const r of rows.filter((r) => r.scenario === "scale" && r.target === target && r.kbPerStream !== undefined)) {
      out.push({ target: `${target}: ≤ 20 KB per open stream (${r.streams} streams)`, value: `${f(r.kbPerStream, 1)} KB`, met: r.kbPerStream <= 20 && r.opened === r.streams });
      out.push({ target: `${target}: every stream delivers a notification (${r.streams})`, value: `${r.delivered}/${r.opened}`, met: r.delivered === r.streams });
    }
    const s = rows.find((r) => r.scenario === "streaming" && r.target === target);
    if (s?.p99 !== undefined) out.push({ target: `${target}: event pass-through ≤ 5 ms at p99`, value: `${f(s.p99)} ms`, met: s.p99 <= 5 });
    for (const r of rows.filter((r) => r.scenario === "recovery" && r.target === target)) {
      const limit = 1000 + (r.retryMs ?? 0);
      out.push({ target: `${target}: recovery ≤ ${limit} ms (${r.case})`, value: r.ok ? `${f(r.ms, 0)} ms` : "not supported yet", met: Boolean(r.ok) && r.ms <= limit });
    }
  }
  return out;
}

/** The byte-proxy floor row of `runtime` ("Deno" | "Bun") among `candidates`. */
const floorOf = (candidates, runtime) => candidates.find((r) => String(r.target).startsWith(`byte proxy (${runtime}`));

/** Proxy CPU µs per call of a row: the best (lowest) round when known, else the row's own figure. */
const cpuOf = (r) => r?.cpuBest ?? r?.cpuUsPerCall;

/** The ratio limit of the CI guard: mcpwire's CPU per call against its runtime's floor, same run. */
export const GUARD_RATIO = 2;

/**
 * The ratio the CI guard judges: mcpwire's proxy CPU per call over the floor's, taken within each round
 * (the two ran seconds apart, under the same background load), and the lowest over the rounds: one quiet
 * round is enough to see the true cost, while a real regression shows in every round. Rows without
 * per-round figures fall back to best round over best round.
 * @returns {number|null} null when either side has no figure.
 */
export function cpuRatio(mine, floor) {
  const a = mine?.cpuRounds ?? [];
  const b = floor?.cpuRounds ?? [];
  const paired = a.map((x, i) => (x > 0 && b[i] > 0 ? x / b[i] : null)).filter((r) => r !== null);
  if (paired.length) return Math.min(...paired);
  const [x, y] = [cpuOf(mine), cpuOf(floor)];
  return x > 0 && y > 0 ? x / y : null;
}

/**
 * The CI guard (issue 16): for each runtime, mcpwire's proxy CPU per call (HTTP upstream, the first
 * sessions level) against the byte proxy's of the same runtime in the same run ({@link cpuRatio}). Fails
 * when a ratio is above `limit`, or when either side could not be measured (a guard that cannot see must
 * not pass).
 * @returns {{ok: boolean, lines: string[]}} one line per runtime, saying what was compared and the verdict.
 */
export function cpuGuard(rows, limit = GUARD_RATIO) {
  const http = rows.filter((r) => r.scenario === "overhead" && r.upstream === "http");
  const sessions = Math.min(...http.map((r) => r.sessions));
  const group = http.filter((r) => r.sessions === sessions);
  const lines = [];
  let ok = true;
  for (const runtime of ["Deno", "Bun"]) {
    const mineRow = group.find((r) => r.target === `mcpwire (${runtime})`);
    const floorRow = floorOf(group, runtime);
    const [mine, floor] = [cpuOf(mineRow), cpuOf(floorRow)];
    const ratio = cpuRatio(mineRow, floorRow);
    if (ratio === null) {
      ok = false;
      lines.push(`${runtime}: cannot judge: proxy CPU per call of mcpwire ${f(mine, 0)} µs, of the byte proxy ${f(floor, 0)} µs`);
      continue;
    }
    const pass = ratio <= limit;
    ok &&= pass;
    lines.push(`${runtime}: mcpwire ${f(ratio)} × the byte proxy's CPU per call (best rounds ${f(mine, 0)} vs ${f(floor, 0)} µs; limit ${limit} ×): ${pass ? "ok" : "TOO SLOW"}`);
  }
  return { ok, lines };
}

/** Figures compared against a baseline run ("nothing else worse by > 5 %"), with the direction of better. */
const FIGURES = [
  ["calls/s", (r) => r.callsPerSec, "higher"],
  ["p99 ms", (r) => r.p99, "lower"],
  ["proxy CPU µs/call", cpuOf, "lower"],
  ["KB per stream", (r) => r.kbPerStream, "lower"],
  ...["small", "huge", "large", "slow"].map((k) => [`${k} stream MB/s`, (r) => r[k]?.mbPerSec, "higher"]),
];
const rowKey = (r) => [r.scenario, r.upstream, r.sessions, r.streams, r.case, r.target].filter((v) => v !== undefined).join(" · ");

/**
 * Figures of mcpwire rows that are worse than in `baseline` (rows of an earlier run, `--json` output) by
 * more than `limit` (a fraction): `[{key, figure, before, after, change}]`.
 */
export function regressions(rows, baseline, limit = 0.05) {
  const before = new Map(baseline.map((r) => [rowKey(r), r]));
  const out = [];
  for (const r of rows.filter((r) => String(r.target).startsWith("mcpwire"))) {
    const b = before.get(rowKey(r));
    if (!b) continue;
    for (const [figure, get, better] of FIGURES) {
      const [x, y] = [get(b), get(r)];
      if (!(x > 0) || !(y > 0)) continue;
      const change = better === "higher" ? (x - y) / x : (y - x) / x;
      if (change > limit) out.push({ key: rowKey(r), figure, before: x, after: y, change });
    }
  }
  return out;
}

/**
 * The issue-16 targets, each against the same run's floor: proxy CPU per call ≤ 1.2 × (Deno) / 1.1 × (Bun)
 * the byte proxy's; p99 added at a fixed 1,000 calls/s ≤ 1.0 ms; big-stream MB/s ≥ 0.8 × the byte proxy's;
 * KB per open GET stream ≤ the byte proxy's + 10 KB; and, with a baseline run, nothing worse by > 5 %.
 * @returns {{target: string, value: string, met: boolean|null}[]} `met: null` = not measured in this run.
 */
export function checkFloorTargets(rows, baseline) {
  const out = [];
  const http = rows.filter((r) => r.scenario === "overhead" && r.upstream === "http" && r.sessions === 10);
  for (const [runtime, limit] of [["Deno", 1.2], ["Bun", 1.1]]) {
    const target = `mcpwire (${runtime})`;
    const [mineRow, floorRow] = [http.find((r) => r.target === target), floorOf(http, runtime)];
    const ratio = cpuRatio(mineRow, floorRow);
    out.push({
      target: `${target}: proxy CPU per call ≤ ${limit} × byte proxy (${runtime}), 10 sessions`,
      value: ratio !== null ? `${f(ratio)} × (best rounds ${f(cpuOf(mineRow), 0)} vs ${f(cpuOf(floorRow), 0)} µs)` : "not measured",
      met: ratio !== null ? ratio <= limit : null,
    });
    const paced = rows.find((r) => r.scenario === "overhead" && r.upstream === "http-paced" && r.target === target);
    out.push({
      target: `${target}: p99 added ≤ 1.0 ms at a fixed ${paced?.pacedRate ?? 1000} calls/s`,
      value: paced?.p99Added != null ? `${f(paced.p99Added)} ms` : "not measured",
      met: paced?.p99Added != null ? paced.p99Added <= 1 : null,
    });
    const streaming = rows.filter((r) => r.scenario === "streaming");
    const s = streaming.find((r) => r.target === target);
    const sf = floorOf(streaming, runtime);
    for (const key of ["small", "huge", "large"]) {
      const [a, b] = [s?.[key]?.mbPerSec, sf?.[key]?.mbPerSec];
      out.push({
        target: `${target}: ${key} stream MB/s ≥ 0.8 × byte proxy (${runtime})`,
        value: a > 0 && b > 0 ? `${f(a / b)} × (${f(a, 0)} vs ${f(b, 0)} MB/s)` : "not measured",
        met: a > 0 && b > 0 ? a / b >= 0.8 : null,
      });
    }
    const scale = rows.filter((r) => r.scenario === "scale");
    const floorScale = floorOf(scale, runtime);
    const sc = scale.find((r) => r.target === target && r.streams === floorScale?.streams);
    const [k, kf] = [sc?.kbPerStream, floorScale?.kbPerStream];
    out.push({
      target: `${target}: KB per open GET stream ≤ byte proxy (${runtime}) + 10 KB (${floorScale?.streams ?? 1000} streams)`,
      value: k != null && kf != null ? `${f(k, 1)} vs ${f(kf, 1)} KB (+${f(k - kf, 1)})` : "not measured",
      met: k != null && kf != null ? k - kf <= 10 : null,
    });
  }
  if (baseline) {
    const worse = regressions(rows, baseline);
    out.push({
      target: "nothing else worse by > 5 % than the baseline run",
      value: worse.length
        ? worse.slice(0, 6).map((w) => `${w.key}: ${w.figure} ${f(w.before, 1)} → ${f(w.after, 1)}`).join("; ") + (worse.length > 6 ? `; ${worse.length - 6} more` : "")
        : "none worse",
      met: worse.length === 0,
    });
  } else {
    out.push({ target: "nothing else worse by > 5 % than the baseline run", value: "no baseline (--baseline FILE)", met: null });
  }
  return out;
}

const verdict = (met) => (met === null ? "–" : met ? "met" : "**missed**");

/** All tables as Markdown. */
export function markdown(rows, meta) {
  const targets = checkTargets(rows);
  const floorTargets = checkFloorTargets(rows, meta.baseline);
  return [
    `Run ${meta.date} on ${meta.machine}${meta.smoke ? " (SMOKE MODE: tiny counts, not figures)" : ""}; ${meta.seconds.toFixed(0)} s in all.`,
    "",
    "### Overhead: HTTP upstream (sequential tools/call per session)",
    "",
    overheadTable(rows, "http"),
    "",
    "### Overhead at a fixed rate: HTTP upstream, calls paced well below capacity",
    "",
    overheadTable(rows, "http-paced"),
    "",
    "### Overhead: stdio upstream (one child per session)",
    "",
    overheadTable(rows, "stdio"),
    "",
    "### Overhead: stateless 2026-07-28 upstream (self-contained requests, no session)",
    "",
    overheadTable(rows, "modern"),
    "",
    "### Streaming",
    "",
    streamingTable(rows, meta.bigStreams),
    "",
    "### Scale: open GET streams",
    "",
    scaleTable(rows),
    "",
    "### Recovery",
    "",
    recoveryTable(rows),
    "",
    "### Targets: issue 16, against each runtime's own floor (same run)",
    "",
    table(["target", "measured", ""], floorTargets.map((t) => [t.target, t.value, verdict(t.met)])),
    "",
    "### Targets: earlier goals",
    "",
    table(["target", "measured", ""], targets.map((t) => [t.target, t.value, t.met ? "met" : "**missed**"])),
  ].join("\n");
}

/** A horizontal bar chart (SVG) of p50 and p99 latency per target, for 10 sessions, HTTP and stdio. */
export function latencySvg(rows, meta) {
  const bars = rows.filter((r) => r.scenario === "overhead" && r.p50 != null && r.sessions === Math.min(...rows.filter((x) => x.scenario === "overhead").map((x) => x.sessions)));
  const width = 760;
  const left = 290;
  const rowH = 34;
  const top = 50;
  const height = top + bars.length * rowH + 40;
  const max = Math.max(1, ...bars.map((b) => b.p99));
  const x = (v) => left + (v / max) * (width - left - 80);
  const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">tools/call latency at ${bars[0]?.sessions ?? "?"} concurrent sessions (ms, lower is better)</text>`,
    `<text x="10" y="38" fill="#555">${esc(meta.short ?? meta.machine)}, ${esc(meta.date)}. Dark: p50, light: p99. Client, upstream and proxy on one machine.</text>`,
  ];
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const mcp = b.target.startsWith("mcpwire");
    const kind = b.upstream === "stdio" ? "stdio" : b.upstream === "http-paced" ? `http, ${b.pacedRate}/s` : "http";
    parts.push(`<text x="${left - 8}" y="${y + 17}" text-anchor="end">${esc(`${kind}: ${b.target}`)}</text>`);
    parts.push(`<rect x="${left}" y="${y + 4}" width="${(x(b.p99) - left).toFixed(1)}" height="20" fill="${mcp ? "#9ecae1" : "#d9d9d9"}"/>`);
    parts.push(`<rect x="${left}" y="${y + 8}" width="${(x(b.p50) - left).toFixed(1)}" height="12" fill="${mcp ? "#3182bd" : "#737373"}"/>`);
    parts.push(`<text x="${(x(b.p99) + 6).toFixed(1)}" y="${y + 18}">${f(b.p50)} / ${f(b.p99)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
