/** Hostile input for the rules loader (property tests, docs/security.md): issues or rules, never a throw. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fc } from "../../testing/deps.ts";
import { checkProperty, jsonish } from "../../testing/property.ts";
import { parseRules } from "./rules_load.ts";

const VALID = `version: 1
rules:
  - name: no-shell
    match: { direction: client-to-server, method: tools/call, tool: ["run_shell", "exec_*"] }
    action: block
`;

/** The valid file with one edit: a slice removed, a character replaced, or text inserted. */
const mutated = fc.tuple(fc.nat({ max: VALID.length }), fc.nat({ max: 20 }), fc.string({ maxLength: 10 })).map(
  ([at, drop, insert]: [number, number, string]) => VALID.slice(0, at) + insert + VALID.slice(at + drop),
);

const yamlish = fc.array(
  fc.constantFrom(
    "version: 1",
    "rules:",
    "  - match:",
    "      method: x",
    "    action:",
    "      type: block",
    "&a [*a]",
    "- ",
    "{",
    "? ",
    "!!binary x",
    "\t",
    "'",
  ),
  { maxLength: 20 },
).map((lines: string[]) => lines.join("\n"));

test("random, YAML-ish, JSON-ish and mutated rules files: rules or issues with a line, never a throw", async () => {
  await checkProperty(
    fc.property(fc.oneof(jsonish, yamlish, mutated), fc.boolean(), (text: string, json: boolean) => {
      const result = parseRules(text, json ? { format: "json" } : {});
      if (!result.ok) {
        assert.ok(result.issues.length > 0);
        for (const issue of result.issues) assert.equal(typeof issue.message, "string");
      }
    }),
    150,
  );
});

test("the valid file loads", () => {
  const result = parseRules(VALID);
  assert.ok(result.ok, JSON.stringify(result));
});

test("an alias bomb is an error or a small result, quickly", () => {
  const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"];
  for (let i = 0; i < 12; i++) {
    bomb.push(`${"b".repeat(i + 1)}: &${"a".repeat(i + 2)} [${Array(9).fill(`*${"a".repeat(i + 1)}`).join(", ")}]`);
  }
  const started = performance.now();
  const result = parseRules(bomb.join("\n"));
  assert.ok(!result.ok, "not a rules file");
  assert.ok(performance.now() - started < 2_000, `took ${performance.now() - started} ms`);
});
