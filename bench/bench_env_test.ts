/**
 * No benchmark-only settings (issue 19): the harness and the end-to-end helpers start mcpwire the way the
 * README tells a user to, so the figures they report are the ones a user gets. Environment variables that
 * change the runtime's limits, or raising the open-file limit, are allowed for the load clients and for
 * rows whose label says so, never for an mcpwire target.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, "utf8");

/** Settings a user does not make: runtime connection caps, V8 heap sizes are fine only when labelled. */
const TUNING = /BUN_CONFIG_\w+|UV_THREADPOOL_SIZE|ulimit\s+-n/;

/** The body of `export async function name(` up to the next top-level `export` or doc comment. */
function functionBody(source: string, name: string): string {
  const start = source.indexOf(`export async function ${name}(`);
  assert.ok(start >= 0, `${name} not found`);
  const ends = ["\nexport ", "\n/**"].map((m) => source.indexOf(m, start + 1)).filter((i) => i !== -1);
  return source.slice(start, ends.length ? Math.min(...ends) : undefined);
}

/** Offending lines of `text` (comments ignored). */
export function tuningLines(text: string): string[] {
  return text.split("\n").filter((line) => TUNING.test(line.replace(/\/\/.*$/, "").replace(/^\s*\*.*$/, "")));
}

test("the check finds tuning settings and ignores comments", () => {
  assert.equal(tuningLines('env: { BUN_CONFIG_MAX_HTTP_REQUESTS: "65535" },').length, 1);
  assert.equal(tuningLines('const script = `ulimit -n "$(ulimit -Hn)"; exec "$@"`;').length, 1);
  assert.equal(tuningLines("// BUN_CONFIG_MAX_HTTP_REQUESTS is read at start").length, 0);
});

test("bench/ starts mcpwire targets with no environment or limits a user would not set", () => {
  const targets = read("bench/targets.mjs");
  assert.deepEqual(tuningLines(functionBody(targets, "startMcpwire")), []);
  // startMcpwire must not hand start() an env of its own either (it may pass cwd and the like).
  assert.doesNotMatch(functionBody(targets, "startMcpwire"), /\benv\s*:/);
  // A byte-proxy floor row may keep a setting only if its label says so.
  const byteProxy = functionBody(targets, "startByteProxy");
  for (const line of tuningLines(byteProxy)) {
    const name = /BUN_CONFIG_\w+/.exec(line)?.[0];
    assert.ok(name && /label: byteProxyLabel\(/.test(byteProxy), line);
    assert.match(
      targets,
      new RegExp(`"byte proxy \\(Bun, ${name}=\\d+\\)"`),
      `the Bun byte proxy's label names ${name}`,
    );
  }
  // The process starter raises `ulimit -n` only when asked to, and never for mcpwire.
  const procs = read("bench/procs.mjs");
  assert.match(procs, /raiseFileLimit/);
  assert.match(functionBody(targets, "startMcpwire"), /raiseFileLimit:\s*false/);
});

test("the end-to-end helpers start mcpwire as the README says", () => {
  // limits_e2e_test.ts runs the proxy under `ulimit -n 256` on purpose: that limit is what it tests.
  for (const path of ["testing/e2e.ts", "lib/security/limits_e2e_test.ts", "distribution_test.ts"]) {
    assert.deepEqual(read(path).split("\n").filter((line) => /BUN_CONFIG_\w+\s*[:=]/.test(line)), [], path);
  }
  assert.doesNotMatch(read("lib/security/limits_e2e_test.ts"), /spawn\([^)]*\benv\s*:/);
});
