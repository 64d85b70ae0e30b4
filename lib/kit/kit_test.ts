/** The kit: pending responses, deadlines, the HTTP-failure mapping, the standalone buffer, URL paths. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "../jsonrpc/types.ts";
import { PendingResponses } from "./pending.ts";
import { DeadlineError, sleep, withDeadline } from "./deadline.ts";
import { badGateway, errorForHttpFailure } from "./http_failure.ts";
import { StandaloneBuffer } from "./standalone_buffer.ts";
import { pathnameOf } from "./url.ts";

async function read<T>(stream: ReadableStream<T>, n: number): Promise<T[]> {
  const reader = stream.getReader();
  const out: T[] = [];
  while (out.length < n) {
    const { done, value } = await reader.read();
    if (done) break;
    out.push(value);
  }
  reader.releaseLock();
  return out;
}

describe("PendingResponses", () => {
  test("a response settles its request once; the rest fail with one error each, in order", () => {
    const pending = new PendingResponses([1, "b", 3]);
    assert.equal(pending.settle({ jsonrpc: "2.0", id: "b", result: {} }), true);
    assert.equal(pending.settle({ jsonrpc: "2.0", id: "b", result: {} }), false, "twice is not twice settled");
    assert.equal(pending.settle({ jsonrpc: "2.0", method: "notifications/progress" }), false);
    assert.equal(pending.settle({ jsonrpc: "2.0", id: 1, error: { code: -1, message: "no" } }), true);
    const errors = pending.fail(ErrorCode.UpstreamError, "gone");
    assert.deepEqual(errors.map((e) => [e.id, e.error.code, e.error.message]), [[3, -32003, "gone"]]);
    assert.equal(pending.size, 0);
  });
});

describe("deadlines", () => {
  test("withDeadline settles with the work, with onTimeout, or with the signal's reason", async () => {
    assert.equal(await withDeadline(Promise.resolve(1), 50), 1);
    assert.equal(await withDeadline(new Promise<number>(() => {}), 5, { onTimeout: () => 2 }), 2);
    await assert.rejects(withDeadline(new Promise(() => {}), 5), DeadlineError);
    const ac = new AbortController();
    const waiting = withDeadline(new Promise(() => {}), 10_000, { signal: ac.signal });
    ac.abort(new Error("shutdown"));
    await assert.rejects(waiting, /shutdown/);
    assert.equal(await withDeadline(Promise.resolve(3), 0), 3, "0 means no deadline");
  });

  test("sleep ends early when its signal aborts", async () => {
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 10);
    await sleep(5_000, ac.signal);
    assert.ok(Date.now() - started < 1_000);
  });
});

describe("errorForHttpFailure", () => {
  test("the upstream's own JSON-RPC error is kept, with the status and challenge as data", async () => {
    const response = new Response(JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message: "Nope" } }), {
      status: 401,
      headers: { "www-authenticate": 'Bearer realm="x"' },
    });
    const error = await errorForHttpFailure(7, response);
    assert.deepEqual(error, {
      jsonrpc: "2.0",
      id: 7,
      error: { code: -32001, message: "Nope", data: { status: 401, wwwAuthenticate: 'Bearer realm="x"' } },
    });
  });

  test("any other body becomes -32003 naming the status; badGateway is a 502 JSON-RPC error", async () => {
    const error = await errorForHttpFailure(null, new Response("<html>down</html>", { status: 503 }));
    assert.equal(error.error.code, ErrorCode.UpstreamError);
    assert.match(error.error.message, /HTTP 503: <html>down/);
    const gateway = badGateway("x");
    assert.equal(gateway.status, 502);
    assert.equal((await gateway.json()).error.code, ErrorCode.UpstreamError);
  });
});

describe("StandaloneBuffer", () => {
  test("keeps the newest items while nobody listens, then streams live ones", async () => {
    const buffer = new StandaloneBuffer<number>(2);
    for (const n of [1, 2, 3]) buffer.push(n);
    const stream = buffer.listen();
    buffer.push(4);
    assert.deepEqual(await read(stream, 3), [2, 3, 4]);
  });

  test("a new listener replaces the old one, whose stream ends; end() closes after what is left", async () => {
    const buffer = new StandaloneBuffer<string>();
    const first = buffer.listen();
    const second = buffer.listen();
    assert.deepEqual(await read(first, 1), [], "the replaced stream ended");
    buffer.push("a");
    buffer.end();
    buffer.push("ignored");
    assert.deepEqual(await read(second, 5), ["a"]);
    assert.deepEqual(await read(buffer.listen(), 5), [], "after end, a listener gets the end at once");
  });
});

describe("pathnameOf", () => {
  test("is new URL(url).pathname for every shape a Request URL takes", () => {
    const urls = [
      "http://127.0.0.1:8080/mcp",
      "http://127.0.0.1:8080/mcp?x=1",
      "http://127.0.0.1:8080/mcp#frag",
      "http://127.0.0.1:8080/mcp?a=/b#c?d",
      "http://host/",
      "http://host",
      "http://host?x=/y",
      "https://user:pw@host:443/a/b%20c/../d",
      "http://[::1]:3000/sse",
    ];
    for (const url of urls) {
      const serialised = new Request(url).url;
      assert.equal(pathnameOf(serialised), new URL(serialised).pathname, serialised);
    }
  });
});
