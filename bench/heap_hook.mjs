/**
 * Preload for bench/heap_streams.mjs: adds one thing to mcpwire started as the README runs it — on SIGUSR2
 * it collects garbage and writes a V8-format heap snapshot (`node:v8` `writeHeapSnapshot`, on Deno and on
 * Bun) to `/tmp/mcpwire-heap-<pid>-<n>.heapsnapshot`, then prints `heap-snapshot <path>` on stderr.
 *
 * Usage: deno run -A --preload bench/heap_hook.mjs cli.ts reverse …   or   bun --preload ./bench/heap_hook.mjs cli.ts reverse …
 */
import v8 from "node:v8";
import process from "node:process";

let n = 0;
process.on("SIGUSR2", () => {
  const path = `/tmp/mcpwire-heap-${process.pid}-${++n}.heapsnapshot`;
  globalThis.Bun?.gc(true);
  v8.writeHeapSnapshot(path);
  process.stderr.write(`heap-snapshot ${path}\n`);
});
