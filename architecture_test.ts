/**
 * Architecture rules of the whole tree (docs/architecture.md):
 * - portability: only `lib/runtime/`, `lib/demo/` (a script run as a child) and `cli.ts` may use `Deno.`,
 *   `Bun.`, `node:` or `process.`; tests, `testing/` and `bench/` are exempt;
 * - import directions: each area imports only areas on a lower layer of {@linkcode LAYERS} (no back-edge),
 *   and no two files import each other through any chain (no cycle, type-only imports included);
 * - `mod.ts` reaches no `node:` module and no runtime code, directly or indirectly, nor `lib/redis/` (its
 *   client opens sockets through `node:net` inside a package, where the text checks cannot see it);
 * - `conformance/` reaches into `lib/` only through entry points (`mod.ts` files).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL(".", import.meta.url));
const FORBIDDEN = /\bDeno\.|\bBun\.|["']node:|(?<![\w/])process\.\w/;

/** Every `.ts` file under `dir`, skipping dependencies and exempt folders. */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** Is this file allowed to use runtime APIs? */
export function isExempt(path: string): boolean {
  return path === "cli.ts" || path.startsWith("lib/runtime/") || path.startsWith("bench/") ||
    path.startsWith("scripts/") ||
    path.startsWith("testing/") || path.endsWith("_test.ts");
}

/** The lines of `source` that use a runtime API (comments included: they are a smell too). */
export function runtimeUses(source: string): string[] {
  return source.split("\n").filter((line) => FORBIDDEN.test(line));
}

test("the architecture check recognises runtime APIs", () => {
  assert.equal(runtimeUses('import x from "node:fs";').length, 1);
  assert.equal(runtimeUses("const a = Deno.args;").length, 1);
  assert.equal(runtimeUses("Bun.serve({})").length, 1);
  assert.equal(runtimeUses("if (process.env.X) {}").length, 1);
  assert.equal(runtimeUses("const processed = subprocess.id; // DenoLand, see runtime/process.ts").length, 0);
  assert.ok(isExempt("lib/runtime/serve.ts") && isExempt("cli.ts") && !isExempt("lib/downstream/app.ts"));
});

test("no file outside lib/runtime/ and cli.ts uses Deno., Bun., node: or process.", () => {
  const offenders: string[] = [];
  for (const file of tsFiles(ROOT)) {
    const rel = relative(ROOT, file).replaceAll("\\", "/");
    if (isExempt(rel)) continue;
    for (const line of runtimeUses(readFileSync(file, "utf8"))) offenders.push(`${rel}: ${line.trim()}`);
  }
  assert.deepEqual(offenders, []);
});

/**
 * The layers, bottom first: an area may import only areas on a lower layer. `lib/runtime` sits apart: only
 * the executables (`cli.ts`, `lib/cli`, `lib/demo`) import it, so the Web-standard core never does.
 * `lib/redis` (the Redis stores, entry point `mcpwire/stores/redis`) sits beside it for the same reason:
 * its client library uses `node:net`, so nothing below the executables may import it (docs/stores.md).
 * `lib/otel` (the OpenTelemetry SDK and OTLP exporter, docs/tracing.md) sits there too: the exporter sends
 * over `node:http` inside its package, and the executables load it only when tracing is on. `lib/trace`
 * (spans and trace context, on the OpenTelemetry API alone) is part of the core.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ["lib/deps"],
  ["lib/jsonrpc"],
  ["lib/protocol"],
  ["lib/sse", "lib/kit"],
  ["lib/stores", "lib/security"],
  ["lib/upstream"],
  ["lib/session"],
  ["lib/bridge"],
  ["lib/downstream", "lib/intercept", "lib/trace"],
  ["lib/record"],
  ["lib/ui"],
  ["lib/proxy", "conformance"],
  ["lib/runtime", "lib/redis", "lib/otel"],
  ["lib/cli", "lib/demo"],
  ["cli.ts", "mod.ts"],
];

/** The area of a file: `lib/<folder>`, `lib/deps`, `conformance`, or the file itself at the root. */
export function areaOf(path: string): string {
  if (path.startsWith("lib/")) return path.split("/").slice(0, 2).join("/").replace(/\.ts$/, "");
  if (path.startsWith("conformance/")) return "conformance";
  return path;
}

/** Relative import specifiers of `source` (static, dynamic, re-exports, type-only), comments excluded. */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return [...code.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]!);
}

/** The import graph of the product's files (tests, `testing/`, `fixtures/` and `bench/` left out). */
function productGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(ROOT)) {
    const rel = relative(ROOT, file).replaceAll("\\", "/");
    if (/^(testing|fixtures|bench)\//.test(rel) || rel.endsWith("_test.ts")) continue;
    const targets = importsOf(readFileSync(file, "utf8")).map((spec) =>
      relative(ROOT, join(dirname(file), spec)).replaceAll("\\", "/")
    );
    graph.set(rel, targets);
  }
  return graph;
}

/** Import edges that break {@linkcode LAYERS}: `from -> to` lines. */
export function backEdges(graph: Map<string, string[]>): string[] {
  const layer = new Map(LAYERS.flatMap((areas, i) => areas.map((a) => [a, i] as const)));
  const out: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const a = areaOf(from), b = areaOf(to);
      if (a === b) continue;
      const la = layer.get(a), lb = layer.get(b);
      if (la === undefined || lb === undefined || lb >= la) out.push(`${from} -> ${to}`);
    }
  }
  return out;
}

/** Every import cycle of `graph`, each as `a -> b -> … -> a` (one line per strongly connected set). */
export function cycles(graph: Map<string, string[]>): string[] {
  const out: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") out.push([...stack.slice(stack.indexOf(next)), next].join(" -> "));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return out;
}

test("the import checks find back-edges and cycles, type-only imports included", () => {
  assert.deepEqual(importsOf('import type { A } from "./a.ts";\n// import "./b.ts";\nexport * from "../c.ts";'), [
    "./a.ts",
    "../c.ts",
  ]);
  const graph = new Map([
    ["lib/jsonrpc/types.ts", ["lib/proxy/reverse.ts"]],
    ["lib/proxy/reverse.ts", ["lib/jsonrpc/types.ts"]],
  ]);
  assert.deepEqual(backEdges(graph), ["lib/jsonrpc/types.ts -> lib/proxy/reverse.ts"]);
  assert.equal(cycles(graph).length, 1);
});

test("imports follow the layers: no back-edge and no cycle", () => {
  const graph = productGraph();
  assert.ok(graph.size > 100, "the graph covers the tree");
  assert.deepEqual(backEdges(graph), []);
  assert.deepEqual(cycles(graph), []);
});

test("mod.ts reaches no node: module, no runtime code, no Redis client and no OpenTelemetry SDK, directly or indirectly", () => {
  const seen = new Set<string>();
  const offenders: string[] = [];
  const walk = (rel: string) => {
    if (seen.has(rel)) return;
    seen.add(rel);
    const source = readFileSync(join(ROOT, rel), "utf8");
    if (rel.startsWith("lib/runtime/")) offenders.push(`${rel}: runtime code`);
    if (rel.startsWith("lib/redis/")) offenders.push(`${rel}: the Redis client (node:net)`);
    if (rel.startsWith("lib/otel/")) offenders.push(`${rel}: the OpenTelemetry SDK (node:http)`);
    for (const line of runtimeUses(source.replace(/\/\*[\s\S]*?\*\//g, ""))) offenders.push(`${rel}: ${line.trim()}`);
    for (const spec of importsOf(source)) walk(relative(ROOT, join(ROOT, dirname(rel), spec)).replaceAll("\\", "/"));
  };
  walk("mod.ts");
  assert.ok(seen.size > 20, "the walk followed the imports");
  assert.deepEqual(offenders, []);
});

test("conformance/ reaches into lib/ only through entry points", () => {
  const offenders = [...productGraph()].flatMap(([from, targets]) =>
    from.startsWith("conformance/")
      ? targets.filter((t) => t.startsWith("lib/") && !t.endsWith("/mod.ts")).map((t) => `${from} -> ${t}`)
      : []
  );
  assert.deepEqual(offenders, []);
});
