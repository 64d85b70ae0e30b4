/**
 * Architecture rules that keep the core portable (design.md "Runtime portability"): only `lib/runtime/`
 * and `cli.ts` may use `Deno.`, `Bun.`, `node:` or `process.`; tests, test utilities and `bench/` are exempt.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
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
