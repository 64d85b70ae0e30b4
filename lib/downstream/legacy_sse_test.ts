/**
 * 2024-11-05 HTTP+SSE clients in front of any upstream (T-LEG-01..04), and the operations endpoints.
 */
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client, SSEClientTransport } from "../../testing/deps.ts";
import { type ServedProxy, serveProxy } from "../../testing/e2e.ts";
import { exampleUpstream, RawClient } from "../../testing/downstream.ts";
import { decodeSse } from "../sse/decode.ts";

let served: ServedProxy[] = [];
afterEach(async () => {
  await Promise.all(served.map((s) => s.close()));
  served = [];
});

async function start(): Promise<ServedProxy> {
  const s = await serveProxy({ upstream: exampleUpstream() });
  served.push(s);
  return s;
}

describe("legacy HTTP+SSE endpoints", () => {
  test("T-LEG-01/02: GET /sse opens an event stream whose first event names a same-origin message URL", async () => {
    const s = await start();
    const r = await fetch(new URL("/sse", s.server.url), { headers: { accept: "text/event-stream" } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "text/event-stream");
    const reader = decodeSse(r.body!).getReader();
    const { value } = await reader.read();
    assert.ok(value?.type === "event");
    assert.equal(value.event, "endpoint");
    const url = new URL(value.data, new URL("/sse", s.server.url));
    assert.equal(url.origin, s.server.url.origin);
    assert.match(url.searchParams.get("sessionId")!, /^[\x21-\x7e]{32,}$/);
    await reader.cancel();
  });

  test("T-LEG-03: the SDK's legacy SSE client runs a session through the proxy", { timeout: 20_000 }, async () => {
    const s = await start();
    const client = new Client({ name: "legacy", version: "1" });
    const transport = new SSEClientTransport(new URL("/sse", s.server.url));
    await client.connect(transport);
    const tools = await client.listTools();
    assert.ok(tools.tools.some((t: { name: string }) => t.name === "countdown"));
    const progress: number[] = [];
    const result = await client.callTool(
      { name: "countdown", arguments: { steps: 3, intervalMs: 20 } },
      undefined,
      { onprogress: (p: { progress: number }) => progress.push(p.progress) },
    );
    // The SDK dispatches notifications a microtask late, so a progress notification that arrives in the
    // same chunk as the result can miss its handler (the raw stream is checked in the next test).
    assert.ok(progress.length >= 2, `progress ${progress}`);
    assert.deepEqual(progress, [1, 2, 3].slice(0, progress.length));
    assert.deepEqual(result.content, [{ type: "text", text: "Countdown of 3 finished" }]);
    assert.deepEqual(await client.ping(), {});
    await client.close();
  });

  test("T-LEG-03: messages travel as `event: message`, progress before the result, in order", async () => {
    const s = await start();
    const r = await fetch(new URL("/sse", s.server.url), { headers: { accept: "text/event-stream" } });
    const reader = decodeSse(r.body!).getReader();
    const first = await reader.read();
    const path = (first.value as { data: string }).data;
    const post = (body: unknown) =>
      fetch(new URL(path, s.server.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const accepted = await post({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2024-11-05", capabilities: {}, clientInfo: { name: "x", version: "1" } },
    });
    assert.equal(accepted.status, 202);
    await accepted.body?.cancel();
    await (await post({ jsonrpc: "2.0", method: "notifications/initialized" })).body?.cancel();
    await (await post({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "countdown", arguments: { steps: 3, intervalMs: 5 }, _meta: { progressToken: "p" } },
    })).body?.cancel();
    const seen: string[] = [];
    while (seen.length < 5) {
      const { value, done } = await reader.read();
      if (done) break;
      if (value.type !== "event") continue;
      assert.equal(value.event, "message");
      const m = JSON.parse(value.data);
      seen.push(m.method ? `${m.method} ${m.params.progress}` : `result ${m.id}`);
    }
    await reader.cancel();
    assert.deepEqual(seen, [
      "result 0",
      "notifications/progress 1",
      "notifications/progress 2",
      "notifications/progress 3",
      "result 1",
    ]);
  });

  test("posting to an unknown legacy session gets 404; without sessionId 400", async () => {
    const s = await start();
    const post = (query: string) =>
      fetch(new URL(`/message${query}`, s.server.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
    const unknown = await post("?sessionId=nope");
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).error.code, -32001);
    const missing = await post("");
    assert.equal(missing.status, 400);
    await missing.body?.cancel();
  });

  test("T-LEG-04: Origin validation applies to the legacy endpoints", async () => {
    const s = await start();
    const r = await fetch(new URL("/sse", s.server.url), {
      headers: { accept: "text/event-stream", origin: "http://evil.example" },
    });
    assert.equal(r.status, 403);
    await r.body?.cancel();
  });
});

describe("operations", () => {
  test("GET /healthz reports open sessions", async () => {
    const s = await start();
    const c = new RawClient((r) => fetch(new Request(new URL("/mcp", s.server.url), r)), s.endpoint.href);
    await c.initialize();
    const health = await (await fetch(new URL("/healthz", s.server.url))).json();
    assert.equal(health.status, "ok");
    assert.equal(health.sessions, 1);
  });

  test("GET /metrics serves Prometheus text with sessions, messages, replays and latency", async () => {
    const s = await start();
    const c = new RawClient((r) => fetch(new Request(new URL("/mcp", s.server.url), r)), s.endpoint.href);
    await c.initialize("2025-06-18");
    await (await c.post({ jsonrpc: "2.0", id: 5, method: "ping" })).text();
    const r = await fetch(new URL("/metrics", s.server.url));
    assert.match(r.headers.get("content-type")!, /^text\/plain; version=0.0.4/);
    const text = await r.text();
    assert.match(text, /^mcpwire_sessions_open 1$/m);
    assert.match(text, /^mcpwire_messages_total\{direction="client-to-server",method="ping"\} 1$/m);
    assert.match(text, /^mcpwire_messages_total\{direction="server-to-client",method="result"\} 2$/m);
    assert.match(text, /^mcpwire_http_request_duration_seconds_count\{method="POST"\} 3$/m);
    assert.match(text, /^mcpwire_replayed_events_total 0$/m);
    assert.match(text, /^mcpwire_upstream_errors_total 0$/m);
  });
});
