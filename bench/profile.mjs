#!/usr/bin/env node
/**
 * CPU profiles of mcpwire's hot paths (issue 16, "profiles first"): mcpwire is started exactly as the
 * README runs it, in front of the bench upstream, while one load runs for a few seconds; the profile is
 * then summarised as self time per area (our `lib/` folders, each npm package, the runtime's own code,
 * garbage collection) and the top functions. Run with Bun or Node:
 *
 *   bun bench/profile.mjs [--runtime deno|bun] [--scenario json|sse|stream] [--seconds N] [--events N] [--out DIR]
 *
 * Both runtimes are profiled with their own `--cpu-prof` (200 µs sampling; on Bun the relaunched serving
 * process writes its own profile). Scenarios: `json` = 10 sessions of
 * back-to-back `tools/call` with JSON replies; `sse` = the same with SSE replies; `stream` = one stream of
 * `--events` (default 10,000) 1 KB SSE events passed through. Prints a markdown table; `--out` keeps the `.cpuprofile`.
 *
 * @module
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { flagValue, freePort, killAll, runClient, sleep, start, waitForPort } from "./procs.mjs";
import { BUN, DENO, ROOT, startUpstream } from "./targets.mjs";

const flag = flagValue;
const runtime = flag("--runtime", "deno");
const scenario = flag("--scenario", "json");
const seconds = Number(flag("--seconds", "6"));
const outDir = flag("--out", undefined);
const events = Number(flag("--events", "10000"));

/** The load of a scenario against `url`. */
function load(url) {
  if (scenario === "stream") {
    return runClient(
      "stream_client.mjs",
      { url, count: events, size: 1024, intervalMs: 0, timeoutMs: 120_000 },
      180_000,
    );
  }
  return runClient("load.mjs", { url, sessions: 10, durationMs: seconds * 1000, warmupMs: 0 }, (seconds + 60) * 1000);
}

/**
 * Starts mcpwire on `runtime` with the runtime's own `--cpu-prof` (the command the README gives, plus the
 * profiler flags), runs `work` against it, stops it (the profile is written on exit) and returns the
 * profile of the serving process (on Bun, the relaunched child, which inherits the flags: the largest file).
 */
async function profiled(upstreamUrl, work) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "mcpwire-prof-"));
  const prof = ["--cpu-prof", "--cpu-prof-interval=200", `--cpu-prof-dir=${dir}`];
  const common = ["reverse", "--bind", `127.0.0.1:${port}`, "-q", "--upstream", upstreamUrl];
  const [command, args] = runtime === "deno"
    ? [DENO, ["run", "-A", ...prof, `${ROOT}cli.ts`, ...common]]
    : [BUN, [...prof, `${ROOT}cli.ts`, ...common]];
  const entry = start(`mcpwire-${runtime}`, command, args, { cwd: ROOT });
  await waitForPort(port, entry);
  const summary = await work(`http://127.0.0.1:${port}/mcp`);
  await entry.stop();
  for (let i = 0; i < 50 && readdirSync(dir).length === 0; i++) await sleep(100);
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).map((f) => join(dir, f));
  if (files.length === 0) throw new Error(`${runtime} wrote no .cpuprofile`);
  const largest = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
  return { profile: JSON.parse(readFileSync(largest, "utf8")), summary };
}

/** The area a profile node's code belongs to. */
export function areaOf(url, functionName) {
  if (functionName === "(garbage collector)") return "garbage collection";
  if (functionName === "(idle)" || functionName === "(program)" || functionName === "(root)") return functionName;
  const nm = /node_modules\/(?:\.deno\/)?((?:@[^/]+\/)?[^/@]+)/.exec(url);
  if (nm) return `npm ${nm[1]}`;
  const lib = /\/(lib\/[^/]+|conformance|cli\.ts|mod\.ts)/.exec(url);
  if (lib && url.includes(ROOT.replace(/\/$/, ""))) return lib[1];
  if (url === "") return "native / runtime";
  return "runtime (JS)";
}

/** Self time per area and the top functions, in % of non-idle samples. */
export function summarise(profile) {
  const self = new Map();
  const total = profile.samples?.length ?? 0;
  const counts = new Map();
  for (const id of profile.samples ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
  const byArea = new Map();
  const byFunction = new Map();
  let busy = 0;
  for (const node of profile.nodes) {
    const hits = counts.get(node.id) ?? node.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const area = areaOf(url, functionName);
    if (area === "(idle)") continue;
    busy += hits;
    byArea.set(area, (byArea.get(area) ?? 0) + hits);
    const where = url.replace(ROOT, "").replace(/^file:\/\//, "");
    const key = `${functionName || "(anonymous)"} ${where ? `${where}:${lineNumber + 1}` : ""}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    self.set(node.id, hits);
  }
  const pct = (n) => ((100 * n) / Math.max(1, busy)).toFixed(1);
  const top = (map, n) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => [k, pct(v)]);
  return { samples: total, busy, areas: top(byArea, 14), functions: top(byFunction, 15) };
}

if (import.meta.url === `file://${process.argv[1]}` || import.meta.main) {
  const upstream = await startUpstream({ response: scenario === "json" ? "json" : "sse" });
  try {
    const { profile, summary } = await profiled(upstream.url, load);
    if (outDir) {
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, `${runtime}-${scenario}.cpuprofile`), JSON.stringify(profile));
    }
    const result = summarise(profile);
    console.log(`## ${runtime}, scenario ${scenario} (${result.busy} busy samples)\n`);
    console.log(`load: ${summary}\n`);
    console.log("| area | self % |\n|---|---:|");
    for (const [area, p] of result.areas) console.log(`| ${area} | ${p} |`);
    console.log("\n| function | self % |\n|---|---:|");
    for (const [fn, p] of result.functions) console.log(`| \`${fn}\` | ${p} |`);
  } finally {
    await upstream.stop();
    killAll();
  }
}
