/**
 * Every rule of docs/spec-rules.md that is a MUST or SHOULD has a check, or a written reason in
 * docs/conformance.md ("Rules not checked, and why") that it is not testable.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ALL_CHECKS } from "./checks/mod.ts";

const ROW = /^\| (T-[A-Z]+-\d+) \| [^|]+ \| ([^|]+) \|/;

/** The rule IDs of the table with their level column. */
function rules(): Map<string, string> {
  const text = readFileSync(new URL("../docs/spec-rules.md", import.meta.url), "utf8");
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = ROW.exec(line);
    if (m) out.set(m[1]!, m[2]!.trim());
  }
  return out;
}

/** The IDs named in the first column of the "Rules not checked, and why" table. */
function explained(): Set<string> {
  const text = readFileSync(new URL("../docs/conformance.md", import.meta.url), "utf8");
  const section = text.split("## Rules not checked, and why")[1]?.split("\n## ")[0] ?? "";
  const ids = new Set<string>();
  for (const line of section.split("\n")) {
    const first = line.split("|")[1] ?? "";
    for (const id of first.match(/T-[A-Z]+-\d+/g) ?? []) ids.add(id);
  }
  return ids;
}

test("the rule table is read (dozens of rules, levels included)", () => {
  const table = rules();
  assert.ok(table.size > 80, `only ${table.size} rules read`);
  assert.match(table.get("T-SEC-01") ?? "", /MUST/);
});

test("every MUST or SHOULD rule has a check or a written reason it is not testable", () => {
  const checked = new Set(ALL_CHECKS.map((c) => c.id));
  const reasons = explained();
  const missing = [...rules()].filter(([, level]) => /MUST|SHOULD/.test(level))
    .filter(([id]) => !checked.has(id) && !reasons.has(id)).map(([id, level]) => `${id} (${level})`);
  assert.deepEqual(missing, []);
});

test("every check and every reason names a rule of the table", () => {
  const table = rules();
  const unknown = [...ALL_CHECKS.map((c) => c.id), ...explained()].filter((id) => !table.has(id));
  assert.deepEqual([...new Set(unknown)], []);
});
