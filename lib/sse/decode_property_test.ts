/** Hostile input for the SSE decoder (property tests, docs/security.md). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fc } from "../../testing/deps.ts";
import { checkProperty } from "../../testing/property.ts";
import { collect } from "../../testing/messages.ts";
import { decodeSse, SseDecodeError, type SseItem } from "./decode.ts";
import { encodeEvent } from "./encode.ts";

/** A body made of `chunks` (split anywhere, also inside a UTF-8 sequence). */
function body(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.slice(at, p));
    at = p;
  }
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      controller.close();
    },
  });
}

const line = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom("data: x", "data:", "id: 1", "id", "event: message", "retry: 10", "retry: x", ": ping", "", "\r"),
);

test("random streams decode to items or a SseDecodeError, whatever the chunking", async () => {
  const input = fc.tuple(
    fc.array(line, { maxLength: 30 }),
    fc.constantFrom("\n", "\r\n", "\r"),
    fc.array(fc.nat(), { maxLength: 8 }),
  );
  await checkProperty(
    fc.asyncProperty(input, async ([lines, eol, cuts]: [string[], string, number[]]) => {
      const bytes = new TextEncoder().encode(lines.join(eol));
      try {
        const items = await collect(decodeSse(body(bytes, cuts), { comments: true, maxBufferSize: 256 }));
        for (const item of items) assert.ok(["event", "id", "retry", "comment"].includes(item.type));
      } catch (error) {
        assert.ok(error instanceof SseDecodeError, String(error));
      }
    }),
    200,
  );
});

test("encoded events come back as they were, split at any byte", async () => {
  const event = fc.record({
    data: fc.string({ maxLength: 60 }),
    id: fc.option(fc.stringMatching(/^[a-z0-9_-]{1,12}$/), { nil: undefined }),
    event: fc.option(fc.stringMatching(/^[a-z]{1,8}$/), { nil: undefined }),
  });
  const input = fc.tuple(fc.array(event, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 10 }));
  await checkProperty(
    fc.asyncProperty(input, async ([events, cuts]: [Array<Record<string, string | undefined>>, number[]]) => {
      const text = events.map((e) => encodeEvent({ data: e.data!, id: e.id, event: e.event })).join("");
      const items = await collect(decodeSse(body(new TextEncoder().encode(text), cuts)));
      const got = items.filter((i): i is Extract<SseItem, { type: "event" }> => i.type === "event");
      assert.deepEqual(got.map((g) => g.data), events.map((e) => e.data!.replace(/\r\n?/g, "\n")));
    }),
    200,
  );
});

test("an endless event without a blank line errors at the buffer limit instead of growing", async () => {
  let sent = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(new TextEncoder().encode(sent === 0 ? "data: " : "x".repeat(65_536)));
      sent += 65_536;
    },
  });
  await assert.rejects(collect(decodeSse(endless, { maxBufferSize: 1_000_000 })), SseDecodeError);
  assert.ok(sent < 4_000_000, `read ${sent} bytes before failing`);
});

test("an endless line that is no field is skipped without buffering; the stream still ends", async () => {
  let sent = 0;
  const junk = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 4_000_000) return controller.close();
      controller.enqueue(new TextEncoder().encode("x".repeat(65_536)));
      sent += 65_536;
    },
  });
  assert.deepEqual(await collect(decodeSse(junk, { maxBufferSize: 1_000_000 })), []);
});
