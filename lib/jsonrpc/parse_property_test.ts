/** Hostile input for the JSON-RPC parser (property tests, docs/security.md): T-RPC-01/02/03, T-BATCH-06. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fc } from "../../testing/deps.ts";
import { checkProperty, jsonish } from "../../testing/property.ts";
import { parseBody, parseValue } from "./parse.ts";

const message = fc.record({
  jsonrpc: fc.constant("2.0"),
  id: fc.oneof(fc.integer(), fc.string({ maxLength: 10 })),
  method: fc.string({ minLength: 1, maxLength: 20 }),
  params: fc.option(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })), { nil: undefined }),
});

test("any text: messages or a -32700/-32600 error, never a throw", async () => {
  await checkProperty(fc.property(jsonish, (text: string) => {
    const parsed = parseBody(text);
    if (parsed.ok) assert.ok(parsed.messages.length > 0);
    else assert.ok([-32700, -32600].includes(parsed.error.code), JSON.stringify(parsed.error));
  }));
});

test("valid requests parse to themselves, alone and as a batch", async () => {
  await checkProperty(
    fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), (messages: unknown[]) => {
      const clean = JSON.parse(JSON.stringify(messages));
      const one = parseBody(JSON.stringify(clean[0]));
      assert.ok(one.ok, JSON.stringify(one));
      assert.deepEqual(one.messages, [clean[0]]);
      const batch = parseBody(JSON.stringify(clean));
      assert.ok(batch.ok);
      assert.deepEqual(batch.messages, clean);
    }),
    100,
  );
});

test("mutated messages (a field dropped or retyped) are judged, never thrown on", async () => {
  const mutation = fc.tuple(
    message,
    fc.constantFrom("jsonrpc", "id", "method", "params"),
    fc.jsonValue({ maxDepth: 2 }),
  );
  await checkProperty(fc.property(mutation, ([m, key, value]: [Record<string, unknown>, string, unknown]) => {
    const mutated = { ...JSON.parse(JSON.stringify(m)), [key]: value };
    const parsed = parseValue(mutated);
    if (!parsed.ok) assert.equal(parsed.error.code, -32600);
  }));
});

test("a deeply nested body is a clear error or a result, not a stack overflow", () => {
  for (const depth of [10_000, 100_000]) {
    const text = '{"jsonrpc":"2.0","id":1,"method":"x","params":' + "[".repeat(depth) + "]".repeat(depth) + "}";
    const parsed = parseBody(text);
    assert.ok(parsed.ok || [-32700, -32600].includes(parsed.error.code));
  }
});
