#!/usr/bin/env node
/**
 * Heap snapshot with N open GET streams (issue 16): starts the bench upstream and mcpwire as the README runs
 * it (`deno run -A cli.ts reverse …` / `bun cli.ts reverse …`) plus one preload, bench/heap_hook.mjs, that
 * writes a heap snapshot on SIGUSR2. Takes a snapshot idle, opens N sessions each holding its standalone GET
 * stream (bench/streams.mjs), takes a second one, and prints what the second holds more than the first,
 * per stream, by constructor / closure: count, self bytes and retained bytes (dominator tree). `--target
 * bytes` does the same for the runtime's byte proxy (bench/byte_proxy.mjs), the floor.
 *
 * Usage: node bench/heap_streams.mjs [--runtime deno|bun] [--streams 1000] [--target mcpwire|bytes]
 *                                    [--top 25] [--json FILE] [--keep]
 * (--keep leaves the two .heapsnapshot files in /tmp for DevTools.)
 */
import { rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import { flagValue, killAll, sleep, start } from "./procs.mjs";
import { jsonLines } from "./scenarios.mjs";
import { NODE, ROOT, startByteProxy, startMcpwire, startUpstream } from "./targets.mjs";
import { perUnit, readSnapshot, summarize } from "./heap_summary.mjs";

const runtime = flagValue("--runtime", "deno");
const streams = Number(flagValue("--streams", "1000"));
const kind = flagValue("--target", "mcpwire");
const topN = Number(flagValue("--top", "25"));
const jsonOut = flagValue("--json");
const keep = process.argv.includes("--keep");
const HOOK = `${ROOT}bench/heap_hook.mjs`;
/** Streams opened and dropped before the first snapshot. */
const WARM_UP = 50;
const log = (line) => process.stderr.write(line + "\n");

/** Signals the hook in `pid` and waits (bounded) for the path of the snapshot it wrote. */
async function snapshot(proxy, pid) {
  const before = proxy.output().length;
  process.kill(pid, "SIGUSR2");
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const m = /heap-snapshot (\S+)/.exec(proxy.output().slice(Math.max(0, before - 10)));
    if (m) return m[1];
    await sleep(100);
  }
  throw new Error(`no heap snapshot from ${pid} in 120 s: ${proxy.output().slice(-400)}`);
}

const kb = (bytes) => (bytes / 1024).toFixed(2);

async function main() {
  const upstream = await startUpstream();
  const proxy = kind === "bytes"
    ? await startByteProxy(runtime, upstream.base, { preload: HOOK })
    : await startMcpwire(runtime, upstream.url, [], { preload: HOOK });
  let client;
  const files = [];
  try {
    // Warm-up: a few streams opened and dropped first, so that code compiled for the first stream (and
    // the upstream connection pool) is in both snapshots, not counted per stream.
    const warm = start("streams", NODE, [
      `${ROOT}bench/streams.mjs`,
      JSON.stringify({ url: proxy.url, streams: WARM_UP, concurrency: 16 }),
    ], { stdin: "pipe", keepStdout: true });
    await jsonLines(warm)(60_000);
    await warm.stop();
    await sleep(1_000);
    files.push(await snapshot(proxy, proxy.pid));
    client = start("streams", NODE, [
      `${ROOT}bench/streams.mjs`,
      JSON.stringify({ url: proxy.url, streams, concurrency: 64 }),
    ], { stdin: "pipe", keepStdout: true });
    const opened = await jsonLines(client)(120_000);
    if (opened.opened !== streams) {
      throw new Error(`opened ${opened.opened} of ${streams} streams: ${opened.firstError}`);
    }
    await sleep(1_500);
    files.push(await snapshot(proxy, proxy.pid));
    log(`${proxy.label}: ${streams} streams open; summarising ${files.join(", ")}`);
    const [a, b] = files.map((f) => summarize(readSnapshot(f), { retained: true }));
    const rows = perUnit(a, b, streams);
    const result = {
      target: proxy.label,
      runtime,
      streams,
      heapKbPerStream: (b.total - a.total) / 1024 / streams,
      heapMbIdle: a.total / 1048576,
      heapMbOpen: b.total / 1048576,
      top: rows.slice(0, topN),
    };
    const lines = [
      `${result.target}, ${streams} open GET streams: JS heap ${result.heapMbIdle.toFixed(1)} → ${
        result.heapMbOpen.toFixed(1)
      } MB = ${result.heapKbPerStream.toFixed(2)} KB per stream`,
      "",
      "| per stream | count | self KB | retained KB |",
      "|---|---:|---:|---:|",
      ...result.top.map((r) =>
        `| ${r.group.replace(/\|/g, "\\|").slice(0, 80)} | ${r.count.toFixed(2)} | ${kb(r.selfBytes)} | ${
          kb(r.retainedBytes)
        } |`
      ),
    ];
    process.stdout.write(lines.join("\n") + "\n");
    if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 2));
  } finally {
    await client?.stop();
    await proxy.stop();
    await upstream.stop();
    if (!keep) { for (const f of files) rmSync(f, { force: true }); }
  }
}

let code = 1;
try {
  await main();
  code = 0;
} catch (error) {
  log(`heap_streams failed: ${error instanceof Error ? error.stack : error}`);
} finally {
  killAll();
}
process.exit(code);
