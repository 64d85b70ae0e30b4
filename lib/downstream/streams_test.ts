/**
 * SSE streams of the downstream endpoint: priming, event ids, resumption with Last-Event-ID, the GET
 * stream, keep-alives, headers, and streaming without buffering. Rule IDs from docs/spec-rules.md.
 */
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createReverseProxy, type ReverseProxy, type ReverseProxyOptions } from "../proxy/reverse.ts";
import { exampleUpstream, messagesOf, RawClient, sseEvents } from "../../testing/downstream.ts";
import { InMemoryEventStore } from "../stores/event_store.ts";
import { streamableHttpUpstream } from "../upstream/streamable_http.ts";
import { encodeEvent } from "../sse/encode.ts";
import { decodeSse } from "../sse/decode.ts";
import type { Envelope } from "../protocol/envelope.ts";

let proxies: ReverseProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  proxies = [];
});

function setup(options: Partial<ReverseProxyOptions> = {}): { client: RawClient; proxy: ReverseProxy } {
  const proxy = createReverseProxy({ upstream: exampleUpstream(), ...options });
  proxies.push(proxy);
  return { client: new RawClient(proxy.fetch), proxy };
}

const countdown = (id: number | string, token: string, steps: number, intervalMs: number) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "countdown", arguments: { steps, intervalMs }, _meta: { progressToken: token } },
});

describe("priming and headers", () => {
  test("T-RES-04: a 2025-11-25 SSE response opens with a priming event (id, empty data) and retry", async () => {
    const { client } = setup({ retryMs: 1234 });
    await client.initialize("2025-11-25");
    const events = await sseEvents(await client.post({ jsonrpc: "2.0", id: 1, method: "ping" }));
    assert.ok(events.length >= 2);
    assert.equal(events[0]!.data, "");
    assert.ok(events[0]!.id);
    assert.equal(events[0]!.retry, 1234);
    assert.deepEqual(JSON.parse(events[1]!.data), { jsonrpc: "2.0", id: 1, result: {} });
  });

  test("T-RES-06: clients of earlier revisions never get empty-data events", async () => {
    for (const revision of ["2025-03-26", "2025-06-18"]) {
      const { client } = setup();
      const init = await sseEvents(
        await client.post({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: { protocolVersion: revision, capabilities: {}, clientInfo: { name: "x", version: "1" } },
        }),
      );
      assert.ok(init.every((e) => e.data !== ""), revision);
      client.sessionId = undefined;
      await client.initialize(revision);
      const events = await sseEvents(await client.post(countdown(2, "t", 2, 1)));
      assert.ok(events.length >= 3);
      assert.ok(events.every((e) => e.data !== "" && e.id !== undefined), revision);
    }
  });

  test("SSE responses carry no-buffering headers and the session id", async () => {
    const { client } = setup();
    await client.initialize();
    const r = await client.post({ jsonrpc: "2.0", id: 1, method: "ping" });
    assert.equal(r.headers.get("x-accel-buffering"), "no");
    assert.match(r.headers.get("cache-control")!, /no-cache/);
    assert.equal(r.headers.get("mcp-session-id"), client.sessionId);
    await r.body?.cancel();
  });
});

describe("resumption (T-RES-01..03)", () => {
  test("T-RES-01, T-MULTI-02: concurrent streams each complete, with event ids unique across them", async () => {
    const { client } = setup();
    await client.initialize("2025-11-25");
    const [a, b, c] = await Promise.all([
      client.post(countdown(1, "a", 3, 5)).then(sseEvents),
      client.post(countdown(2, "b", 3, 5)).then(sseEvents),
      client.post({ jsonrpc: "2.0", id: 3, method: "ping" }).then(sseEvents),
    ]);
    const ids = [...a!, ...b!, ...c!].map((e) => e.id);
    assert.ok(ids.every((id) => typeof id === "string"));
    assert.equal(new Set(ids).size, ids.length);
  });

  test("T-RES-02, T-RES-03, T-RES-05, T-POST-09: a client drops a stream midway and resumes every remaining event exactly once", async () => {
    const { client } = setup();
    await client.initialize("2025-06-18");
    const steps = 8;
    const a = await client.post(countdown("A", "token-a", steps, 40));
    const b = client.post(countdown("B", "token-b", steps, 40)); // a concurrent stream that must not leak
    const seen = await sseEvents(a, 2); // progress 1 and 2, then the client disconnects
    assert.deepEqual(seen.map((e) => JSON.parse(e.data).params.progress), [1, 2]);
    const last = seen[1]!.id!;
    // Upstream work goes on while nobody listens: wait until it has finished.
    await new Promise((r) => setTimeout(r, steps * 40 + 150));
    const resumed = await client.request("GET", { accept: "text/event-stream", "last-event-id": last });
    assert.equal(resumed.status, 200);
    const rest = await messagesOf(resumed);
    const progress = rest.filter((m) => "method" in m).map((m) =>
      (m as unknown as { params: { progress: number; progressToken: string } }).params
    );
    assert.deepEqual(progress.map((p) => p.progress), [3, 4, 5, 6, 7, 8]);
    assert.ok(progress.every((p) => p.progressToken === "token-a"), "no events of stream B");
    const results = rest.filter((m) => !("method" in m));
    assert.deepEqual(results.map((m) => ("id" in m ? m.id : null)), ["A"]);
    await (await b).body?.cancel();
  });

  test("a resumed stream that is still running continues live after the replay", async () => {
    const { client } = setup();
    await client.initialize("2025-11-25");
    const a = await client.post(countdown(1, "t", 6, 60));
    const seen = await sseEvents(a, 2); // priming, progress 1
    const resumed = await client.request("GET", { accept: "text/event-stream", "last-event-id": seen[1]!.id! });
    const rest = await messagesOf(resumed);
    const progress = rest.filter((m) => "method" in m).map((m) =>
      (m as unknown as { params: { progress: number } }).params.progress
    );
    assert.deepEqual(progress, [2, 3, 4, 5, 6]);
    assert.equal(rest.filter((m) => !("method" in m)).length, 1);
  });

  test("resuming from a priming event id replays the whole stream", async () => {
    const { client } = setup();
    await client.initialize("2025-11-25");
    const a = await client.post(countdown(1, "t", 2, 1));
    const [priming] = await sseEvents(a, 1);
    assert.equal(priming!.data, "");
    await new Promise((r) => setTimeout(r, 60));
    const rest = await messagesOf(
      await client.request("GET", { accept: "text/event-stream", "last-event-id": priming!.id! }),
    );
    assert.equal(rest.length, 3);
  });

  test("T-RES-08: an unknown Last-Event-ID gets 400 with a JSON-RPC error", async () => {
    const { client } = setup();
    await client.initialize();
    const r = await client.request("GET", { accept: "text/event-stream", "last-event-id": "no-such-event" });
    assert.equal(r.status, 400);
    assert.match((await r.json()).error.message, /unknown Last-Event-ID/);
  });

  test("an evicted Last-Event-ID gets 400 saying so", async () => {
    const { client } = setup({ eventStore: new InMemoryEventStore({ maxEventsPerStream: 2 }) });
    await client.initialize("2025-06-18");
    const events = await sseEvents(await client.post(countdown(1, "t", 5, 1)));
    const r = await client.request("GET", { accept: "text/event-stream", "last-event-id": events[0]!.id! });
    assert.equal(r.status, 400);
    assert.match((await r.json()).error.message, /evicted/);
  });

  test("an event id of another session is unknown in this one", async () => {
    const { client, proxy } = setup();
    await client.initialize("2025-06-18");
    const events = await sseEvents(await client.post(countdown(1, "t", 1, 1)));
    const other = new RawClient(proxy.fetch);
    await other.initialize("2025-06-18");
    const r = await other.request("GET", { accept: "text/event-stream", "last-event-id": events[0]!.id! });
    assert.equal(r.status, 400);
    await r.body?.cancel();
  });
});

describe("observers", () => {
  test("each server-to-client envelope carries the event id the client saw on its stream", async () => {
    const seen: Envelope[] = [];
    const { client } = setup({ onMessage: (e) => seen.push(e) });
    await client.initialize("2025-06-18");
    const events = await sseEvents(await client.post(countdown(9, "t", 2, 1)));
    const fromServer = seen.filter((e) => e.direction === "server-to-client" && e.sessionId === client.sessionId);
    const sent = fromServer.slice(-3).map((e) => e.eventId);
    assert.deepEqual(sent, events.map((e) => e.id));
    assert.ok(seen.filter((e) => e.direction === "client-to-server").every((e) => e.eventId === undefined));
  });
});

describe("bounded memory", () => {
  test("driving more events than the caps allow never grows the event store past them", async () => {
    const store = new InMemoryEventStore({ maxEventsPerStream: 20, maxEvents: 50 });
    const { client } = setup({ eventStore: store });
    await client.initialize("2025-11-25");
    let peak = 0;
    const watcher = setInterval(() => void store.stats().then((s) => (peak = Math.max(peak, s.events))), 1);
    const streams = await Promise.all(
      [1, 2, 3, 4].map((n) => client.post(countdown(n, `t${n}`, 60, 0)).then(messagesOf)),
    );
    clearInterval(watcher);
    assert.ok(streams.every((m) => m.length === 61), "every client still got every event live");
    const stats = await store.stats();
    assert.ok(stats.events <= 50 && peak <= 50, `events ${stats.events}, peak ${peak}`);
  });
});

describe("the standalone GET stream", () => {
  test("T-GET-04, T-MULTI-01: a server-initiated message goes to the GET stream only, once", async () => {
    const { client } = setup();
    await client.initialize("2025-06-18");
    const get = await client.request("GET", { accept: "text/event-stream" });
    assert.equal(get.status, 200);
    assert.equal(get.headers.get("content-type"), "text/event-stream");
    const post = await messagesOf(
      await client.post({
        jsonrpc: "2.0",
        id: 5,
        method: "tools/call",
        params: { name: "notify", arguments: { text: "hi" } },
      }),
    );
    assert.deepEqual(post.map((m) => ("id" in m ? m.id : "note")), [5]);
    const [event] = await sseEvents(get, 1);
    const message = JSON.parse(event!.data);
    assert.equal(message.method, "notifications/message");
    assert.equal(message.params.data, "hi");
    assert.ok(!("id" in message), "T-GET-03: no responses on the GET stream");
  });

  test("T-GET-05, T-RES-04: a 2025-11-25 GET stream opens with a priming event carrying retry", async () => {
    const { client } = setup({ retryMs: 777 });
    await client.initialize("2025-11-25");
    const get = await client.request("GET", { accept: "text/event-stream" });
    const [priming] = await sseEvents(get, 1);
    assert.equal(priming!.data, "");
    assert.equal(priming!.retry, 777);
    assert.ok(priming!.id);
  });

  test("a second GET replaces the first: the old stream ends, the new one gets the messages", async () => {
    const { client } = setup();
    await client.initialize("2025-06-18");
    const first = await client.request("GET", { accept: "text/event-stream" });
    const second = await client.request("GET", { accept: "text/event-stream" });
    assert.equal(second.status, 200);
    assert.deepEqual(await sseEvents(first), []); // ended cleanly
    await messagesOf(
      await client.post({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "notify", arguments: {} } }),
    );
    const [event] = await sseEvents(second, 1);
    assert.equal(JSON.parse(event!.data).method, "notifications/message");
  });

  test("messages sent while no GET stream was attached arrive when it is opened again", async () => {
    const { client } = setup();
    await client.initialize("2025-06-18");
    const first = await client.request("GET", { accept: "text/event-stream" });
    await first.body!.cancel();
    await messagesOf(
      await client.post({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "notify", arguments: { text: "later" } },
      }),
    );
    const again = await client.request("GET", { accept: "text/event-stream" });
    const [event] = await sseEvents(again, 1);
    assert.equal(JSON.parse(event!.data).params.data, "later");
  });

  test("idle SSE streams get keep-alive comments", async () => {
    const { client } = setup({ keepAliveMs: 40 });
    await client.initialize("2025-06-18");
    const get = await client.request("GET", { accept: "text/event-stream" });
    const reader = decodeSse(get.body!, { comments: true }).getReader();
    const { value } = await reader.read();
    assert.deepEqual(value, { type: "comment", comment: "keep-alive" });
    await reader.cancel();
  });
});

describe("streaming through an HTTP upstream", () => {
  test("each upstream SSE event reaches the client while the upstream still holds its stream open", async () => {
    let upstreamStream!: ReadableStreamDefaultController<Uint8Array>;
    const encoder = new TextEncoder();
    const upstreamFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const request = new Request(input, init);
      if (request.method !== "POST") return new Response(null, { status: 405 });
      const body = await request.json();
      if (body.method === "initialize") {
        return Response.json({
          jsonrpc: "2.0",
          id: body.id,
          result: { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name: "u", version: "1" } },
        }, { headers: { "mcp-session-id": "upstream-1" } });
      }
      if (!("id" in body)) return new Response(null, { status: 202 });
      return new Response(
        new ReadableStream<Uint8Array>({ start: (c) => void (upstreamStream = c) }),
        { headers: { "content-type": "text/event-stream" } },
      );
    };
    const { client } = setup({
      upstream: streamableHttpUpstream({ url: "http://upstream.test/mcp", fetch: upstreamFetch }),
    });
    await client.initialize("2025-06-18");
    const response = await client.post(countdown(1, "t", 1, 1));
    const reader = decodeSse(response.body!).getReader();
    upstreamStream.enqueue(
      encoder.encode(
        encodeEvent({
          id: "u1",
          data: JSON.stringify({
            jsonrpc: "2.0",
            method: "notifications/progress",
            params: { progressToken: "t", progress: 1 },
          }),
        }),
      ),
    );
    const first = await reader.read(); // arrives although the upstream stream is still open
    assert.equal(first.done, false);
    assert.equal(JSON.parse((first.value as { data: string }).data).method, "notifications/progress");
    upstreamStream.enqueue(
      encoder.encode(encodeEvent({ id: "u2", data: JSON.stringify({ jsonrpc: "2.0", id: 1, result: {} }) })),
    );
    const second = await reader.read();
    assert.deepEqual(JSON.parse((second.value as { data: string }).data), { jsonrpc: "2.0", id: 1, result: {} });
    assert.equal((await reader.read()).done, true);
  });

  test("the upstream session id is replaced by the proxy's own, and hop-by-hop headers stay behind", async () => {
    const seen: Headers[] = [];
    const upstreamFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const request = new Request(input, init);
      seen.push(request.headers);
      const body = await request.json();
      if (!("id" in body)) return new Response(null, { status: 202 });
      const result = body.method === "initialize" ? { protocolVersion: "2025-06-18" } : {};
      return Response.json({ jsonrpc: "2.0", id: body.id, result }, {
        headers: { "mcp-session-id": "upstream-secret" },
      });
    };
    const { client } = setup({
      upstream: streamableHttpUpstream({ url: "http://upstream.test/mcp", fetch: upstreamFetch }),
    });
    const init = await client.initialize("2025-06-18");
    assert.notEqual(client.sessionId, "upstream-secret");
    assert.equal(init.headers.get("mcp-session-id"), client.sessionId);
    const r = await client.post({ jsonrpc: "2.0", id: 2, method: "ping" }, {
      authorization: "Bearer abc",
      "mcp-protocol-version": "2025-06-18",
      connection: "x-hop",
      "x-hop": "1",
      "x-end-to-end": "2",
    });
    await r.body?.cancel();
    const last = seen.at(-1)!;
    assert.equal(last.get("mcp-session-id"), "upstream-secret");
    assert.equal(last.get("authorization"), "Bearer abc");
    assert.equal(last.get("mcp-protocol-version"), "2025-06-18");
    assert.equal(last.get("x-end-to-end"), "2");
    assert.equal(last.get("x-hop"), null);
    assert.equal(last.get("connection"), null);
  });

  test("T-SEC-06 (pass-through): an upstream 401 reaches the client with its WWW-Authenticate header", async () => {
    const upstreamFetch = () =>
      Promise.resolve(
        new Response('{"error":"unauthorized"}', {
          status: 401,
          headers: {
            "www-authenticate": 'Bearer resource_metadata="http://u/.well-known/oauth-protected-resource"',
            "content-type": "application/json",
          },
        }),
      );
    const { client } = setup({
      upstream: streamableHttpUpstream({ url: "http://upstream.test/mcp", fetch: upstreamFetch }),
    });
    const r = await client.post({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18" },
    });
    assert.equal(r.status, 401);
    assert.match(r.headers.get("www-authenticate")!, /resource_metadata/);
    await r.body?.cancel();
  });

  test("an unreachable upstream gets 502 with a JSON-RPC error, not a crash", async () => {
    const { client } = setup({ upstream: streamableHttpUpstream({ url: "http://127.0.0.1:9/mcp" }) });
    const r = await client.post({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18" },
    });
    assert.equal(r.status, 502);
    const body = await r.json();
    assert.equal(body.error.code, -32003);
  });
});
