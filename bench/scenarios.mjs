/**
 * The four scenarios: overhead (HTTP and stdio upstreams), streaming, scale, recovery. Each returns rows
 * for the report; a target that cannot run gives a row with `skip` (a reason), one that fails gives `error`.
 */
import { createInterface } from "node:readline";
import { cpuMs, rssMb, runJson, sampleRss, sh, sleep, start, waitForPort } from "./procs.mjs";
import {
  BUN,
  byteProxyLabel,
  NODE,
  ROOT,
  Skip,
  startByteProxy,
  startMcpProxy,
  startMcpwire,
  startNginx,
  startSupergateway,
  startUpstream,
  STDIO_SERVER,
} from "./targets.mjs";

// The load generators (bench/load.mjs, stream_client.mjs, recover.mjs) run on Bun and hold one fetch
// connection per session; Bun caps fetch at 256 connections unless this is set. It is the client's setting,
// not mcpwire's: mcpwire targets are started without it (targets.mjs; bench_env_test.ts checks).
const CLIENT_ENV = { BUN_CONFIG_MAX_HTTP_REQUESTS: "65535" };
const message = (error) => (error instanceof Error ? error.message : String(error)).split("\n")[0].slice(0, 300);

/** Starts targets, keeping a row-ready record of those that could not start. */
async function startAll(starters, log) {
  const started = [];
  for (const [label, startFn] of starters) {
    try {
      started.push(await startFn());
    } catch (error) {
      if (!(error instanceof Skip)) log(`  ${label}: ${message(error)}`);
      started.push({ label, failed: error instanceof Skip ? { skip: message(error) } : { error: message(error) } });
    }
  }
  return started;
}

async function stopAll(targets) {
  await Promise.all(targets.map((t) => t.stop?.().catch(() => {})));
}

/** One load run against `url` (or a stdio command) with proxy CPU and RSS measured. */
async function loadRun(target, load, config) {
  const before = target.pid ? cpuMs(target.pid) : null;
  const result = await runJson("load", BUN, [`${ROOT}bench/load.mjs`, JSON.stringify(load)], config.durationMs + 60_000, { env: CLIENT_ENV });
  const after = target.pid ? cpuMs(target.pid) : null;
  // CPU over the whole run (warm-up and session set-up included), per measured call.
  const cpuUsPerCall = before !== null && after !== null && result.calls > 0 ? ((after - before) * 1000) / result.calls : null;
  return { ...result, cpuUsPerCall, rssMb: target.pid ? rssMb(target.pid) : null };
}

/**
 * Overhead: C sessions of sequential tools/call through each target. Rounds alternate targets; the best
 * round of each target (highest calls/s) is kept, so background load on a shared machine hurts all alike.
 */
export async function overhead(config, log) {
  const rows = [];
  // (a)–(d): HTTP upstream.
  const upstream = await startUpstream();
  const http = await startAll([
    ["direct", () => Promise.resolve({ label: "direct", url: upstream.url, pid: null, stop: () => Promise.resolve() })],
    ["mcpwire (Deno)", () => startMcpwire("deno", upstream.url)],
    ["mcpwire (Bun)", () => startMcpwire("bun", upstream.url)],
    ...(config.quick || config.smoke ? [] : [["nginx (byte proxy)", () => startNginx(upstream.base, log)]]),
    // The floors: in full runs, and in smoke runs for the CPU guard (run.mjs).
    ...(config.quick && !config.floors ? [] : [
      ["byte proxy (Deno)", () => startByteProxy("deno", upstream.base)],
      ["byte proxy (Bun)", () => startByteProxy("bun", upstream.base)],
    ]),
  ], log);
  try {
    for (const sessions of config.sessions) {
      rows.push(...await rounds(http, sessions, config, (t) => ({ url: t.url }), log, "http"));
    }
    // The same 10 sessions paced well below capacity: the latency a proxy adds when the CPU is not saturated.
    if (config.pacedRate) {
      const paced = http.filter((t) => !t.label.startsWith("byte proxy"));
      const rate = config.pacedRate / config.sessions[0];
      // Longer rounds: at 1,000 calls/s a p99 needs a few thousand samples to settle.
      const pacedConfig = { ...config, durationMs: config.pacedDurationMs ?? config.durationMs };
      for (const row of await rounds(paced, config.sessions[0], pacedConfig, (t) => ({ url: t.url, ratePerSession: rate }), log, "http-paced")) {
        rows.push({ ...row, upstream: "http-paced", pacedRate: config.pacedRate });
      }
    }

  } finally {
    await stopAll(http);
    await upstream.stop();
  }
  if (config.quick) return rows;
  rows.push(...await stateless(config, log));
  // (e): stdio upstream.
  const stdio = await startAll([
    ["direct stdio (no HTTP)", () => Promise.resolve({ label: "direct stdio (no HTTP)", command: STDIO_SERVER, pid: null, stop: () => Promise.resolve() })],
    // One stdio child per session: the default cap (--max-children, 4 per CPU core) is below the session
    // counts measured here, so the rows raise it to the largest count, as an operator serving that many would.
    ["mcpwire (Deno)", () => startMcpwire("deno", STDIO_SERVER, stdioChildren(config))],
    ["mcpwire (Bun)", () => startMcpwire("bun", STDIO_SERVER, stdioChildren(config))],
    ...(config.smoke ? [] : [
      ["supergateway", () => config.peers ? startSupergateway() : Promise.reject(new Skip(config.peersNote ?? "peers not installed"))],
      ["mcp-proxy", () => config.peers ? startMcpProxy() : Promise.reject(new Skip(config.peersNote ?? "peers not installed"))],
    ]),
  ], log);
  try {
    for (const sessions of config.stdioSessions) {
      rows.push(...await rounds(stdio, sessions, config, (t) => (t.command ? { command: t.command } : { url: t.url }), log, "stdio"));
    }
  } finally {
    await stopAll(stdio);
  }
  return rows;
}

/**
 * The 2026-07-28 stateless path: an upstream that answers self-contained requests (no session), and clients
 * that send `server/discover` once, then `tools/call` with `_meta` and the MCP-Protocol-Version, Mcp-Method
 * and Mcp-Name headers; mcpwire forwards them as they are once its first one found the upstream's era
 * (`--upstream-era auto`, the default).
 */
async function stateless(config, log) {
  const upstream = await startUpstream({ era: "2026-07-28" });
  const targets = await startAll([
    ["direct", () => Promise.resolve({ label: "direct", url: upstream.url, pid: null, stop: () => Promise.resolve() })],
    ["mcpwire (Deno)", () => startMcpwire("deno", upstream.url)],
    ["mcpwire (Bun)", () => startMcpwire("bun", upstream.url)],
  ], log);
  try {
    return await rounds(targets, config.sessions[0], config, (t) => ({ url: t.url, modern: true }), log, "modern");
  } finally {
    await stopAll(targets);
    await upstream.stop();
  }
}

const median = (values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : null;
};

/**
 * Runs every target once per round, targets alternating. Per target: the figures of its best round
 * (highest calls/s), and, against the first target (the baseline), the median over rounds of the ratio of
 * calls/s and of the p99 difference within the same round: background load on a shared machine then
 * shifts both sides of each comparison alike.
 */
async function rounds(targets, sessions, config, where, log, upstreamKind) {
  const results = new Map(targets.map((t) => [t.label, []]));
  const errors = new Map();
  // 100 stdio sessions = 100 child processes per target: one round keeps the full run within its budget.
  // Smoke runs need several rounds only where the CPU guard looks (HTTP, back to back).
  const roundCount = upstreamKind === "stdio" && sessions >= 100 || config.smoke && upstreamKind !== "http" ? 1 : config.rounds;
  for (let round = 0; round < roundCount; round++) {
    for (const target of targets) {
      if (target.failed) continue;
      const load = { ...where(target), sessions, durationMs: config.durationMs, warmupMs: config.warmupMs };
      try {
        const r = await loadRun(target, load, config);
        const cpu = r.cpuUsPerCall ? `, proxy CPU ${r.cpuUsPerCall.toFixed(0)} µs/call` : "";
        log(`  ${upstreamKind} ${sessions} sessions, ${target.label}: ${r.callsPerSec.toFixed(0)} calls/s, p99 ${r.p99?.toFixed(2)} ms${cpu}${r.errors ? `, ${r.errors} errors (${r.firstError})` : ""}`);
        results.get(target.label)[round] = r;
      } catch (error) {
        log(`  ${target.label}: ${message(error)}`);
        errors.set(target.label, message(error));
      }
    }
  }
  const base = results.get(targets[0].label);
  return targets.map((t) => {
    const row = { scenario: "overhead", upstream: upstreamKind, sessions, target: t.label };
    if (t.failed) return { ...row, ...t.failed };
    const mine = results.get(t.label);
    const done = mine.filter(Boolean);
    if (done.length === 0) return { ...row, error: errors.get(t.label) ?? "no result" };
    const best = done.reduce((a, b) => (b.callsPerSec > a.callsPerSec ? b : a));
    const pairs = mine.map((r, i) => [r, base[i]]).filter(([r, b]) => r && b && b.callsPerSec > 0);
    const cpus = done.map((r) => r.cpuUsPerCall).filter((v) => Number.isFinite(v) && v > 0);
    return {
      ...row,
      ...best,
      rounds: done.length,
      // The lowest CPU per call of any round: background load only ever adds to it.
      cpuBest: cpus.length ? Math.min(...cpus) : null,
      // Per round (index = round; null where it failed), for comparisons within a round (cpuGuard).
      cpuRounds: mine.map((r) => r?.cpuUsPerCall ?? null),
      ratio: median(pairs.map(([r, b]) => r.callsPerSec / b.callsPerSec)),
      p99Added: median(pairs.map(([r, b]) => r.p99 - b.p99)),
    };
  });
}

const HEAP_CAPPED = "mcpwire (Deno, JS heap capped: 32 MB old + 1 MB semi-space)";

/** Streaming: per-event pass-through latency, and proxy memory while 10 MB of events stream through. */
export async function streaming(config, log) {
  const rows = [];
  const upstream = await startUpstream();
  const targets = await startAll([
    ["direct", () => Promise.resolve({ label: "direct", url: upstream.url, pid: null, stop: () => Promise.resolve() })],
    ["mcpwire (Deno)", () => startMcpwire("deno", upstream.url)],
    ["mcpwire (Bun)", () => startMcpwire("bun", upstream.url)],
    // Proof that no stream is held whole: a 40 MB stream through a proxy whose JS heap cannot hold it.
    [HEAP_CAPPED, () => startMcpwire("deno", upstream.url, [], { label: HEAP_CAPPED, v8Flags: "--max-old-space-size=32,--max-semi-space-size=1" })],
    ...(config.smoke ? [] : [
      ["nginx (byte proxy)", () => startNginx(upstream.base, log)],
      ["byte proxy (Deno)", () => startByteProxy("deno", upstream.base)],
      ["byte proxy (Bun)", () => startByteProxy("bun", upstream.base)],
    ]),
  ], log);
  try {
    for (const target of targets) {
      if (target.failed) {
        rows.push({ scenario: "streaming", target: target.label, ...target.failed });
        continue;
      }
      const row = { scenario: "streaming", target: target.label };
      try {
        const latency = await runJson("stream", BUN, [`${ROOT}bench/stream_client.mjs`, JSON.stringify({ url: target.url, ...config.latencyStream })], 60_000, { env: CLIENT_ENV });
        Object.assign(row, { events: latency.events, p50: latency.p50, p90: latency.p90, p99: latency.p99, max: latency.max });
        for (const [key, shape] of Object.entries(config.bigStreams)) {
          const idle = target.pid ? rssMb(target.pid) : null;
          const sampler = target.pid ? sampleRss(target.pid) : null;
          const big = await runJson("stream", BUN, [`${ROOT}bench/stream_client.mjs`, JSON.stringify({ url: target.url, ...shape })], 120_000, { env: CLIENT_ENV });
          const peak = sampler?.stop().peak ?? null;
          row[key] = { mb: big.bytes / 1048576, events: big.events, result: big.result, mbPerSec: big.mbPerSec, firstEventMs: big.firstEventMs, rssBefore: idle, rssPeak: peak };
        }
        log(`  ${target.label}: pass-through p99 ${row.p99?.toFixed(2)} ms; ${Object.entries(config.bigStreams).map(([k]) => `${k}: peak RSS ${row[k].rssPeak?.toFixed(0) ?? "-"} MB`).join(", ")}`);
      } catch (error) {
        row.error = message(error);
        log(`  ${target.label}: ${row.error}`);
      }
      rows.push(row);
    }
  } finally {
    await stopAll(targets);
    await upstream.stop();
  }
  return rows;
}

/** Reads the JSON lines a client prints: `next(timeoutMs)` resolves with the next one (bounded). */
export function jsonLines(entry) {
  const lines = createInterface({ input: entry.child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  return async (timeoutMs) => {
    let timer;
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer from ${entry.name} in ${timeoutMs} ms`)), timeoutMs)));
    try {
      while (true) {
        const { value, done } = await Promise.race([iterator.next(), timeout]);
        if (done) throw new Error(`${entry.name} ended: ${entry.output().slice(-500)}`);
        if (value.startsWith("{")) return JSON.parse(value);
      }
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Scale: N open GET streams through the proxy; its memory; every stream gets a server notification. */
export async function scale(config, log) {
  const rows = [];
  // A proxied stream holds two sockets in the proxy (client side and upstream side), plus some slack.
  const hard = Number(sh("ulimit -Hn")) || 1024;
  const feasible = Math.floor((hard - 1_000) / 2 / 500) * 500;
  for (const [kind, runtime] of config.scaleTargets) {
    for (const level of kind === "mcpwire" ? config.streams : config.streams.slice(0, 1)) {
      const name = runtime === "deno" ? "Deno" : "Bun";
      const streams = Math.min(level, feasible);
      const row = { scenario: "scale", target: kind === "mcpwire" ? `mcpwire (${name})` : byteProxyLabel(runtime), streams };
      if (streams < level) {
        row.note = `${level.toLocaleString("en")} streams cannot run here: the proxy needs ~${(2 * level + 1_000).toLocaleString("en")} file descriptors and the hard limit (ulimit -Hn) is ${hard}; ran ${streams.toLocaleString("en")}`;
        log(`  ${row.note}`);
      }
      const upstream = await startUpstream();
      let proxy;
      let client;
      try {
        proxy = kind === "mcpwire" ? await startMcpwire(runtime, upstream.url) : await startByteProxy(runtime, upstream.base);
        await sleep(500);
        row.rssIdle = rssMb(proxy.pid);
        client = start("streams", NODE, [`${ROOT}bench/streams.mjs`, JSON.stringify({ url: proxy.url, streams, concurrency: 64 })], { stdin: "pipe", keepStdout: true });
        const next = jsonLines(client);
        const opened = await next(config.scaleOpenTimeoutMs);
        Object.assign(row, { opened: opened.opened, failed: opened.failed, retried: opened.retried, openSeconds: opened.seconds });
        if (opened.failed) row.note = [row.note, `${opened.failed} streams failed to open: ${opened.firstError}`].filter(Boolean).join("; ");
        await sleep(config.settleMs);
        row.rssOpen = rssMb(proxy.pid);
        if (row.rssOpen === null) throw new Error(`the proxy exited: ${proxy.output?.().slice(-400)}`);
        row.kbPerStream = opened.opened > 0 ? ((row.rssOpen - row.rssIdle) * 1024) / opened.opened : null;
        client.child.stdin.write("count\n");
        const broadcast = await fetch(`${upstream.base}/control/broadcast`, { method: "POST" }).then((r) => r.json());
        const delivered = await next(30_000);
        Object.assign(row, { upstreamStreams: broadcast.streams, delivered: delivered.delivered, deliverP50: delivered.p50, deliverP99: delivered.p99, deliverSeconds: delivered.seconds });
        log(`  ${row.target}, ${streams} streams: opened ${row.opened} in ${row.openSeconds.toFixed(1)} s, RSS ${row.rssIdle?.toFixed(0)} → ${row.rssOpen?.toFixed(0)} MB (${row.kbPerStream?.toFixed(1)} KB/stream), delivered ${row.delivered}/${row.opened}`);
      } catch (error) {
        row.error = message(error);
        log(`  ${row.target}, ${streams} streams: ${row.error}`);
      } finally {
        await client?.stop();
        await proxy?.stop();
        await upstream.stop();
      }
      rows.push(row);
    }
  }
  return rows;
}

/** Recovery: a call after the upstream restarts; a call whose upstream SSE stream is cut before its result. */
export async function recovery(config, log) {
  const rows = [];
  for (const runtime of config.recoveryRuntimes) {
    const target = `mcpwire (${runtime === "deno" ? "Deno" : "Bun"})`;
    // Upstream restart: same port, new process, every upstream session forgotten.
    let upstream = await startUpstream({ retryMs: config.retryMs });
    const port = upstream.port;
    let proxy;
    let client;
    try {
      proxy = await startMcpwire(runtime, upstream.url);
      client = start("recover", BUN, [`${ROOT}bench/recover.mjs`, JSON.stringify({ url: proxy.url, mode: "restart", deadlineMs: config.recoveryDeadlineMs })], { stdin: "pipe", keepStdout: true, env: CLIENT_ENV });
      const next = jsonLines(client);
      await next(15_000);
      await upstream.stop();
      upstream = await startUpstream({ port, retryMs: config.retryMs });
      client.child.stdin.write("go\n");
      const r = await next(config.recoveryDeadlineMs + 10_000);
      rows.push({ scenario: "recovery", target, case: "upstream restart", ...r });
      log(`  ${target}, upstream restart: ${r.ok ? `${r.ms.toFixed(0)} ms` : `not supported yet (${r.failure})`}`);
    } catch (error) {
      rows.push({ scenario: "recovery", target, case: "upstream restart", error: message(error) });
      log(`  ${target}, upstream restart: ${message(error)}`);
    } finally {
      await client?.stop();
    }
    // Upstream stream cut: the tools/call SSE stream ends after a priming event, before the result.
    try {
      const r = await runJson("recover", BUN, [`${ROOT}bench/recover.mjs`, JSON.stringify({ url: proxy.url, mode: "cut", deadlineMs: config.recoveryDeadlineMs })], config.recoveryDeadlineMs + 15_000, { env: CLIENT_ENV });
      rows.push({ scenario: "recovery", target, case: "upstream stream cut", retryMs: config.retryMs, ...r });
      log(`  ${target}, upstream stream cut: ${r.ok ? `${r.ms.toFixed(0)} ms` : `not supported yet (${r.failure})`}`);
    } catch (error) {
      rows.push({ scenario: "recovery", target, case: "upstream stream cut", error: message(error) });
      log(`  ${target}, upstream stream cut: ${message(error)}`);
    } finally {
      await proxy?.stop();
      await upstream.stop();
    }
  }
  return rows;
}

export { waitForPort };

/** `--max-children` for the stdio rows: the largest session count of the run. */
function stdioChildren(config) {
  return ["--max-children", String(Math.max(...config.stdioSessions))];
}
