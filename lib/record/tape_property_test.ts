/** Hostile input for the tape reader (property tests, docs/security.md): a tape or a TapeError, never else. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fc } from "../../testing/deps.ts";
import { checkProperty, jsonish } from "../../testing/property.ts";
import { parseTape, TapeError, tapeLine, type TapeRecord } from "./tape.ts";

const record = fc.record({
  type: fc.constant("message" as const),
  at: fc.nat(),
  direction: fc.constantFrom("client-to-server" as const, "server-to-client" as const),
  message: fc.record({ jsonrpc: fc.constant("2.0" as const), method: fc.string({ minLength: 1, maxLength: 10 }) }),
});

test("random lines give a tape or a TapeError", async () => {
  await checkProperty(
    fc.property(fc.array(jsonish, { maxLength: 8 }), (lines: string[]) => {
      try {
        const tape = parseTape(lines.join("\n"));
        assert.ok(Array.isArray(tape.records));
      } catch (error) {
        assert.ok(error instanceof TapeError, String(error));
      }
    }),
    300,
  );
});

test("written records read back; a cut or mutated tape is a TapeError naming a line, or a tape", async () => {
  const input = fc.tuple(fc.array(record, { minLength: 1, maxLength: 6 }), fc.nat(), fc.string({ maxLength: 4 }));
  await checkProperty(
    fc.property(input, ([records, cut, junk]: [TapeRecord[], number, string]) => {
      const text = records.map(tapeLine).join("");
      assert.deepEqual(parseTape(text).records, JSON.parse(JSON.stringify(records)));
      const at = cut % text.length;
      try {
        parseTape(text.slice(0, at) + junk + text.slice(at + 1));
      } catch (error) {
        assert.ok(error instanceof TapeError && /^Line \d+: /.test(error.message), String(error));
      }
    }),
    300,
  );
});
