/** Hostile input for header parsing, including the `Mcp-*` Base64 forms (T-PV-10; docs/security.md). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fc } from "../../testing/deps.ts";
import { checkProperty } from "../../testing/property.ts";
import { decodeHeaderValue, encodeHeaderValue, mediaType } from "./headers.ts";
import { mirroredHeaders } from "./request_meta.ts";

const sentinelish = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ maxLength: 40 }).map((s: string) => `=?base64?${s}?=`),
  fc.base64String({ maxLength: 60 }).map((s: string) => `=?base64?${s}?=`),
  fc.uint8Array({ maxLength: 40 }).map((b: Uint8Array) => `=?base64?${btoa(String.fromCharCode(...b))}?=`),
);

test("any header value decodes to text or undefined, never throws", async () => {
  await checkProperty(
    fc.property(sentinelish, (value: string) => {
      const decoded = decodeHeaderValue(value);
      assert.ok(decoded === undefined || typeof decoded === "string");
    }),
    500,
  );
});

test("every text survives encode then decode, and the encoded form is a legal header value", async () => {
  await checkProperty(
    fc.property(fc.string({ maxLength: 80, unit: "grapheme" }), (text: string) => {
      const encoded = encodeHeaderValue(text);
      assert.match(encoded, /^[\x20-\x7e]*$/);
      new Headers({ "mcp-name": encoded });
      assert.equal(decodeHeaderValue(encoded), text);
    }),
    500,
  );
});

test("content types of any shape give a lower-case media type", async () => {
  await checkProperty(
    fc.property(fc.option(fc.string({ maxLength: 60 }), { nil: null }), (ct: string | null) => {
      const type = mediaType(ct);
      assert.equal(type, type.toLowerCase());
    }),
    500,
  );
});

test("mirrored headers from random request metadata are legal header values", async () => {
  const meta = fc.record({
    "io.modelcontextprotocol/protocolVersion": fc.oneof(
      fc.constant("2026-07-28"),
      fc.string({ maxLength: 12, unit: "binary" }),
      fc.jsonValue({ maxDepth: 1 }),
    ),
  });
  const message = fc.record({
    method: fc.oneof(
      fc.constantFrom("tools/call", "prompts/get", "resources/read"),
      fc.string({ maxLength: 20, unit: "binary" }),
    ),
    params: fc.record({
      name: fc.oneof(fc.string({ maxLength: 40, unit: "grapheme" }), fc.jsonValue({ maxDepth: 1 })),
      uri: fc.string({ maxLength: 40 }),
      _meta: meta,
    }),
  });
  await checkProperty(
    fc.property(message, (m: { method: string; params: unknown }) => {
      const headers = mirroredHeaders({ jsonrpc: "2.0", id: 1, ...m } as never);
      for (const [name, value] of Object.entries(headers)) {
        try {
          new Headers({ [name]: value });
        } catch (error) {
          assert.fail(`${name}: ${JSON.stringify(value)} is not a legal header value (${error})`);
        }
      }
    }),
    500,
  );
});

test("seed found by the property tests: a control character in the method or version is not mirrored", () => {
  const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28" };
  assert.deepEqual(mirroredHeaders({ jsonrpc: "2.0", id: 1, method: "x\ny", params: { _meta: meta } }), {});
  const bad = { "io.modelcontextprotocol/protocolVersion": "a\nb" };
  assert.deepEqual(
    mirroredHeaders({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "n", _meta: bad } }),
    {},
  );
});
