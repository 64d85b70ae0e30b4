#!/usr/bin/env node
/**
 * The Redis store's cost and its bounded growth (issue 14), measured on mcpwire started exactly as the
 * README runs it (`reverse --store redis://…` against `reverse` with the default memory store), in front of
 * the bench upstream, on a throwaway `redis-server` (Debian package) on a free loopback port:
 *
 * 1. calls/s and p99 of 10 sessions of back-to-back `tools/call` (bench/load.mjs), memory store vs Redis,
 *    same run, same machine;
 * 2. bytes per idle session in Redis: 200 sessions opened and left idle, `MEMORY USAGE` of each session's
 *    keys (its hash and its share of the index);
 * 3. a soak of N short sessions (default 10,000: initialize, one call, DELETE; 50 at a time), then what Redis
 *    holds: keys by kind, `used_memory`, and the longest TTL (everything left must expire).
 *
 * Usage: node bench/redis_store.mjs [--runtime deno|bun] [--seconds 5] [--soak 10000]
 * Prints a Markdown section (docs/performance.md "Redis store").
 */
import { spawnSync } from "node:child_process";
import { closeSession, openSession } from "./mcp_http.mjs";
import { flagValue, freePort, killAll, runClient, start, waitForPort } from "./procs.mjs";
import { startMcpwire, startUpstream } from "./targets.mjs";

const flag = flagValue;
const runtime = flag("--runtime", "deno");
const seconds = Number(flag("--seconds", "5"));
const soakSessions = Number(flag("--soak", "10000"));

/** `redis-cli -p PORT …` → its stdout, trimmed. */
function cli(port, ...args) {
  const r = spawnSync("redis-cli", ["-p", String(port), ...args], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(`redis-cli ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Runs bench/load.mjs against `url` → its JSON summary. */
async function load(url) {
  return JSON.parse(await runClient("load.mjs", { url, sessions: 10, durationMs: seconds * 1000, warmupMs: 1000 }));
}

/** One short session: initialize, one tools/call, DELETE. */
async function shortSession(url) {
  const headers = await openSession(url, AbortSignal.timeout(10_000));
  const res = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "x" } } }),
    signal: AbortSignal.timeout(10_000),
  });
  await res.text();
  await closeSession(url, headers);
}

/** Keys of the Redis database grouped by kind (`session`, `sessions`, `ended`, `events`, …) with counts. */
function keysByKind(port) {
  const keys = cli(port, "--scan").split("\n").filter(Boolean);
  const kinds = {};
  for (const key of keys) {
    const rest = key.replace(/^mcpwire:/, "");
    const kind = rest.startsWith("session:ended:") ? "tombstone (ended:<id>)" : rest.split(":")[0];
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  let maxTtl = -2;
  const persistent = [];
  for (const key of keys) {
    const ttl = Number(cli(port, "PTTL", key));
    if (ttl === -1) persistent.push(key);
    maxTtl = Math.max(maxTtl, ttl);
  }
  return { total: keys.length, kinds, maxTtlMs: maxTtl, persistent };
}

const redisPort = await freePort();
const redis = start("redis", "redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {});
await waitForPort(redisPort, redis);
const upstream = await startUpstream({ response: "json" });
const store = `redis://127.0.0.1:${redisPort}/0`;
try {
  const memory = await startMcpwire(runtime, upstream.url);
  const withMemory = await load(memory.url);
  await memory.stop();
  const viaRedis = await startMcpwire(runtime, upstream.url, ["--store", store]);
  const withRedis = await load(viaRedis.url);
  cli(redisPort, "FLUSHDB");

  const idle = [];
  for (let i = 0; i < 200; i++) idle.push(await openSession(viaRedis.url, AbortSignal.timeout(10_000)));
  const sessionKeys = cli(redisPort, "--scan", "--pattern", "mcpwire:session:*").split("\n").filter(Boolean);
  const perHash = sessionKeys.map((k) => Number(cli(redisPort, "MEMORY", "USAGE", k)));
  const index = Number(cli(redisPort, "MEMORY", "USAGE", "mcpwire:sessions") || 0);
  const bytesPerIdle = perHash.reduce((a, b) => a + b, 0) / Math.max(1, perHash.length) + index / Math.max(1, perHash.length);
  for (const headers of idle) await closeSession(viaRedis.url, headers);
  cli(redisPort, "FLUSHDB");

  const started = performance.now();
  let next = 0;
  let failures = 0;
  let refused = 0;
  await Promise.all(Array.from({ length: 50 }, async () => {
    while (next < soakSessions) {
      next++;
      // A refused initialize (429, the default per-caller rate) is retried after a pause, as a client honouring
      // Retry-After does, so all N sessions really run.
      for (let attempt = 0; attempt < 100; attempt++) {
        const outcome = await shortSession(viaRedis.url).then(() => "ok", (e) => (/answered 429/.test(String(e)) ? "429" : "error"));
        if (outcome === "ok") break;
        if (outcome === "error") {
          failures++;
          break;
        }
        refused++;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }));
  const soakSeconds = (performance.now() - started) / 1000;
  const left = keysByKind(redisPort);
  const indexEntries = Number(cli(redisPort, "ZCARD", "mcpwire:sessions"));
  const usedMemory = /used_memory:(\d+)/.exec(cli(redisPort, "INFO", "memory"))?.[1];
  await viaRedis.stop();

  const f = (n, d = 0) => Number(n).toLocaleString("en", { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(`### Redis store (${runtime === "deno" ? "Deno" : "Bun"}, ${new Date().toISOString().slice(0, 10)})\n`);
  console.log("| 10 sessions, HTTP upstream | calls/s | p50 ms | p99 ms |\n|---|---:|---:|---:|");
  console.log(`| memory store (default) | ${f(withMemory.callsPerSec)} | ${f(withMemory.p50, 2)} | ${f(withMemory.p99, 2)} |`);
  console.log(`| \`--store redis://…\` | ${f(withRedis.callsPerSec)} | ${f(withRedis.p50, 2)} | ${f(withRedis.p99, 2)} |`);
  console.log(`\nIdle session in Redis: ${f(bytesPerIdle)} bytes (\`MEMORY USAGE\` of its hash plus its share of the index, mean of ${perHash.length}).`);
  console.log(`\nSoak: ${f(soakSessions)} short sessions (initialize, one call, DELETE; 50 at a time) in ${f(soakSeconds, 1)} s (paced by the default \`initialize\` rate, 100/s after a burst of 1,000 per caller: ${f(refused)} answers were 429 and retried), ${f(failures)} failures.`);
  console.log(`Left in Redis: ${f(left.total)} keys (${Object.entries(left.kinds).map(([k, n]) => `${k}: ${f(n)}`).join(", ") || "none"}), used_memory ${f(Number(usedMemory) / 1024 / 1024, 1)} MiB, longest TTL ${left.maxTtlMs < 0 ? "none" : `${f(left.maxTtlMs / 1000)} s`}; ${f(indexEntries)} entries in the session index; keys without a TTL: ${left.persistent.length ? left.persistent.join(", ") : "none"}.`);
} finally {
  await upstream.stop();
  await redis.stop();
  killAll();
}
