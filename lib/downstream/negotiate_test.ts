/** The request body reader: size limit (413) and body deadline (408). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readBody } from "./negotiate.ts";
import { HttpError } from "./errors.ts";

/** A POST whose body sends `first`, then nothing more until cancelled (a slow-body client). */
function stalledRequest(first: string): { request: Request; cancelled: () => boolean } {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(first));
    },
    cancel() {
      cancelled = true;
    },
  });
  const request = new Request("http://127.0.0.1/mcp", { method: "POST", body, duplex: "half" } as RequestInit);
  return { request, cancelled: () => cancelled };
}

test("a body that stops arriving gets 408 at the deadline, and its stream is cancelled", async () => {
  const { request, cancelled } = stalledRequest("{");
  const started = performance.now();
  await assert.rejects(readBody(request, 1024, 150), (error: unknown) => {
    assert.ok(error instanceof HttpError);
    assert.equal(error.status, 408);
    assert.equal(error.headers.connection, "close");
    return true;
  });
  const ms = performance.now() - started;
  assert.ok(ms >= 140 && ms < 2_000, `gave up after ${ms.toFixed(0)} ms`);
  assert.ok(cancelled(), "the body stream was cancelled");
});

test("a whole body inside the deadline is read; over the size limit is 413; 0 means no deadline", async () => {
  const ok = new Request("http://127.0.0.1/mcp", { method: "POST", body: '{"a":1}' });
  assert.equal(await readBody(ok, 1024, 1_000), '{"a":1}');
  const big = new Request("http://127.0.0.1/mcp", { method: "POST", body: "x".repeat(2048) });
  await assert.rejects(readBody(big, 1024, 1_000), (e: unknown) => e instanceof HttpError && e.status === 413);
  const none = new Request("http://127.0.0.1/mcp", { method: "POST", body: "[]" });
  assert.equal(await readBody(none, 1024, 0), "[]");
});
