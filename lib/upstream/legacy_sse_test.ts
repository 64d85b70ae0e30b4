import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { legacySseUpstream } from "./legacy_sse.ts";
import { httpUpstream } from "./http.ts";
import { collect } from "../../testing/messages.ts";
import { initRequest } from "../../testing/messages.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import { encodeEvent } from "../sse/encode.ts";

/** An in-process 2024-11-05 server: GET /sse (endpoint event, then `message` events), POST /message. */
function legacyFixture(options: { endpoint?: string } = {}) {
  const enc = new TextEncoder();
  const streams = new Map<string, ReadableStreamDefaultController<Uint8Array>>();
  const requests: { method: string; url: string }[] = [];
  let n = 0;
  const send = (sid: string, m: unknown) =>
    streams.get(sid)?.enqueue(enc.encode(encodeEvent({ event: "message", data: JSON.stringify(m) })));
  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    requests.push({ method: request.method, url: url.pathname });
    if (url.pathname === "/sse" && request.method === "GET") {
      const sid = `legacy-${++n}`;
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          streams.set(sid, c);
          c.enqueue(
            enc.encode(encodeEvent({ event: "endpoint", data: options.endpoint ?? `/message?sessionId=${sid}` })),
          );
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    }
    if (url.pathname === "/message" && request.method === "POST") {
      const sid = url.searchParams.get("sessionId")!;
      if (!streams.has(sid)) return new Response("Session not found", { status: 404 });
      const m = JSON.parse(await request.text()) as JsonRpcMessage & {
        id?: number;
        method?: string;
        params?: { _meta?: { progressToken?: unknown } };
      };
      setTimeout(() => {
        if (m.method === "initialize") {
          send(sid, {
            jsonrpc: "2.0",
            id: m.id,
            result: { protocolVersion: "2024-11-05", capabilities: {}, serverInfo: { name: "legacy", version: "1" } },
          });
        }
        if (m.method === "tools/call") {
          send(sid, { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "unrelated" } });
          send(sid, {
            jsonrpc: "2.0",
            method: "notifications/progress",
            params: { progressToken: m.params?._meta?.progressToken, progress: 1 },
          });
          send(sid, { jsonrpc: "2.0", id: m.id, result: { content: [] } });
        }
      }, 5);
      return new Response("Accepted", { status: 202 });
    }
    return new Response("Not Found", { status: 404 });
  };
  return {
    requests,
    fetch: ((input: RequestInfo | URL, i?: RequestInit) => handler(new Request(input, i))) as typeof fetch,
    /** The server drops the event stream of a session. */
    drop: (sid: string) => streams.get(sid)?.close(),
  };
}

describe("legacySseUpstream (2024-11-05 HTTP+SSE)", () => {
  test("initialize and a tool call: responses by id, progress by token, other messages to listen() (T-LEG-01..03)", async () => {
    const fx = legacyFixture();
    const conn = legacySseUpstream({ url: "http://legacy.test/sse", fetch: fx.fetch }).connect();
    const reply = await conn.send([initRequest("2024-11-05", 1)]);
    assert.equal(reply.type, "messages");
    if (reply.type !== "messages") return;
    const initMessages = (await collect(reply.messages)).map((i) => i.message);
    assert.equal((initMessages[0] as { result: { serverInfo: { name: string } } }).result.serverInfo.name, "legacy");
    assert.deepEqual(fx.requests.slice(0, 2), [{ method: "GET", url: "/sse" }, { method: "POST", url: "/message" }]);
    const call = await conn.send([{
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "x", _meta: { progressToken: "t" } },
    }]);
    assert.equal(call.type, "messages");
    if (call.type !== "messages") return;
    const got = (await collect(call.messages)).map((i) => i.message);
    assert.deepEqual(got.map((m) => ("method" in m ? m.method : "response")), ["notifications/progress", "response"]);
    const standalone = await conn.listen();
    assert.ok(standalone instanceof ReadableStream);
    const reader = standalone.getReader();
    const first = await reader.read();
    assert.equal((first.value!.message as { method: string }).method, "notifications/message");
    await reader.cancel();
    await conn.close();
    await conn.ended;
  });

  test("the upstream dropping its event stream fails requests in flight and ends the connection", async () => {
    const fx = legacyFixture();
    const conn = legacySseUpstream({ url: "http://legacy.test/sse", fetch: fx.fetch }).connect();
    const reply = await conn.send([initRequest("2024-11-05", 1)]);
    if (reply.type === "messages") await collect(reply.messages);
    const pending = await conn.send([{ jsonrpc: "2.0", id: 3, method: "never/answered" }]);
    fx.drop("legacy-1");
    await conn.ended;
    assert.equal(pending.type, "messages");
    if (pending.type === "messages") {
      const [m] = (await collect(pending.messages)).map((i) => i.message);
      assert.equal((m as { error: { code: number } }).error.code, -32003);
    }
    await assert.rejects(conn.send([{ jsonrpc: "2.0", id: 4, method: "ping" }]), { name: "UpstreamUnavailableError" });
  });

  test("an endpoint on another origin is refused (T-LEG-02)", async () => {
    const fx = legacyFixture({ endpoint: "http://evil.test/message" });
    const conn = legacySseUpstream({ url: "http://legacy.test/sse", fetch: fx.fetch }).connect();
    await assert.rejects(conn.send([initRequest()]), { message: /another origin/ });
  });
});

describe("httpUpstream transport choice (T-BC-01)", () => {
  test("auto: a 404 to the initialize POST falls back to HTTP+SSE, and later connections go straight to it", async () => {
    const fx = legacyFixture();
    const fallbacks: number[] = [];
    const upstream = httpUpstream({
      url: "http://legacy.test/sse",
      fetch: fx.fetch,
      onFallback: (s) => fallbacks.push(s),
    });
    for (const id of [1, 2]) {
      const conn = upstream.connect();
      const reply = await conn.send([initRequest("2024-11-05", id)]);
      assert.equal(reply.type, "messages");
      if (reply.type === "messages") assert.ok("result" in (await collect(reply.messages))[0]!.message);
      await conn.close();
    }
    assert.deepEqual(fallbacks, [404]);
    assert.deepEqual(fx.requests.filter((r) => r.method === "POST").map((r) => r.url), [
      "/sse",
      "/message",
      "/message",
    ]);
  });

  test("forced streamable-http does not fall back; the 404 reaches the caller", async () => {
    const fx = legacyFixture();
    const conn = httpUpstream({ url: "http://legacy.test/sse", fetch: fx.fetch, transport: "streamable-http" })
      .connect();
    const reply = await conn.send([initRequest()]);
    assert.equal(reply.type, "http");
    if (reply.type === "http") assert.equal(reply.response.status, 404);
  });

  test("auto: a server that is neither keeps the original answer", async () => {
    const fetch404: typeof fetch = () => Promise.resolve(new Response("nope", { status: 405 }));
    const conn = httpUpstream({ url: "http://nothing.test/mcp", fetch: fetch404 }).connect();
    const reply = await conn.send([initRequest()]);
    assert.equal(reply.type, "http");
    if (reply.type === "http") assert.equal(await reply.response.text(), "nope");
  });
});
