import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { encodeComment, encodeEvent } from "./encode.ts";
import { decodeSse, SseDecodeError, type SseItem } from "./decode.ts";

function bodyOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(encoder.encode(chunk));
      c.close();
    },
  });
}

async function collect(stream: ReadableStream<SseItem>): Promise<SseItem[]> {
  const items: SseItem[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

describe("encodeEvent", () => {
  test("builds id, event, retry and data lines ended by a blank line", () => {
    assert.equal(encodeEvent({ id: "s.1", event: "message", data: "{}" }), "event: message\nid: s.1\ndata: {}\n\n");
    assert.equal(encodeEvent({ id: "p", retry: 1000, data: "" }), "id: p\nretry: 1000\ndata:\n\n");
  });

  test("multi-line data becomes several data lines", () => {
    assert.equal(encodeEvent({ data: "a\nb\r\nc" }), "data: a\ndata: b\ndata: c\n\n");
  });

  test("refuses ids with line breaks and bad retry values", () => {
    assert.throws(() => encodeEvent({ id: "a\nb" }), TypeError);
    assert.throws(() => encodeEvent({ retry: -1 }), TypeError);
    assert.throws(() => encodeEvent({ retry: 1.5 }), TypeError);
  });

  test("comments start with a colon and cannot inject lines", () => {
    assert.equal(encodeComment("keep-alive"), ": keep-alive\n\n");
    assert.equal(encodeComment("a\nid: x"), ": a id: x\n\n");
  });
});

describe("decodeSse", () => {
  test("round-trips what the encoder builds, split at every byte", async () => {
    const frames = encodeEvent({ id: "1", event: "message", data: '{"a":"☃"}' }) + encodeEvent({ retry: 250 }) +
      encodeEvent({ data: "x" });
    const chunks = [...frames].map((ch) => ch);
    const items = await collect(decodeSse(bodyOf(chunks)));
    assert.deepEqual(items, [
      { type: "event", event: "message", id: "1", lastEventId: "1", data: '{"a":"☃"}' },
      { type: "retry", retry: 250 },
      { type: "event", event: undefined, id: undefined, lastEventId: "1", data: "x" },
    ]);
  });

  test("handles CRLF line ends and reports comments only when asked", async () => {
    const body = ": hi\r\nid: 7\r\ndata: a\r\n\r\n";
    assert.deepEqual((await collect(decodeSse(bodyOf([body])))).length, 1);
    const withComments = await collect(decodeSse(bodyOf([body]), { comments: true }));
    assert.equal(withComments[0]!.type, "comment");
  });

  test("an id-only event (no data line) is reported as an id item, not as an event", async () => {
    const items = await collect(decodeSse(bodyOf(["id: 5\n\n", "data: x\n\n", "id: 6\ndata: y\n\n"])));
    assert.deepEqual(items, [
      { type: "id", id: "5" },
      { type: "event", event: undefined, id: undefined, lastEventId: "5", data: "x" },
      { type: "event", event: undefined, id: "6", lastEventId: "6", data: "y" },
    ]);
  });

  test("an event without its blank line at the end of the stream is dropped", async () => {
    assert.deepEqual(await collect(decodeSse(bodyOf(["data: partial"]))), []);
  });

  test("an event over the buffer limit errors the stream", async () => {
    const big = "data: " + "x".repeat(5000);
    await assert.rejects(collect(decodeSse(bodyOf([big, big]), { maxBufferSize: 1000 })), SseDecodeError);
  });

  test("an event over the limit that arrives whole in one chunk errors the stream too", async () => {
    const whole = "data: small\n\ndata: " + "x".repeat(5000) + "\n\n";
    await assert.rejects(collect(decodeSse(bodyOf([whole]), { maxBufferSize: 1000 })), SseDecodeError);
    const fits = await collect(decodeSse(bodyOf(["data: " + "x".repeat(1000) + "\n\n"]), { maxBufferSize: 1000 }));
    assert.equal(fits.length, 1);
  });

  test("each event is delivered before the stream ends", async () => {
    const encoder = new TextEncoder();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    const reader = decodeSse(body).getReader();
    controller.enqueue(encoder.encode("data: first\n\n"));
    const first = await reader.read();
    assert.equal(first.done, false);
    assert.equal((first.value as { data: string }).data, "first");
    controller.close();
    assert.equal((await reader.read()).done, true);
  });
});
