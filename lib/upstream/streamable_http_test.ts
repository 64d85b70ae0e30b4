import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { streamableHttpUpstream } from "./streamable_http.ts";
import { collect } from "../../testing/messages.ts";
import { createFixture, type FixtureOptions } from "../../testing/upstream_fixture.ts";
import { initRequest } from "../../testing/messages.ts";
import type { UpstreamConnection, UpstreamMessage } from "./types.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";

const URL_ = "http://upstream.test/mcp";

async function connected(
  options: FixtureOptions = {},
  reconnect = { initialDelayMs: 20, maxDelayMs: 100, maxAttempts: 3 },
) {
  const fixture = createFixture(options);
  const reconnects: number[] = [];
  const upstream = streamableHttpUpstream({
    url: URL_,
    fetch: fixture.fetch,
    reconnect,
    onReconnect: (i) => reconnects.push(i.delayMs),
  });
  const conn = upstream.connect();
  const reply = await conn.send([initRequest()]);
  assert.equal(reply.type, "messages");
  if (reply.type === "messages") await collect(reply.messages);
  assert.equal((await conn.send([{ jsonrpc: "2.0", method: "notifications/initialized" }])).type, "accepted");
  return { fixture, conn, reconnects };
}

async function callSlow(conn: UpstreamConnection, steps = 5): Promise<UpstreamMessage[]> {
  const reply = await conn.send([{
    jsonrpc: "2.0",
    id: 7,
    method: "tools/call",
    params: { name: "slow", arguments: { steps }, _meta: { progressToken: "p" } },
  }]);
  assert.equal(reply.type, "messages");
  return reply.type === "messages" ? await collect(reply.messages) : [];
}

function progressOf(items: UpstreamMessage[]): number[] {
  return items.map((i) => i.message as JsonRpcMessage & { params?: { progress?: number } })
    .filter((m) => "method" in m && m.method === "notifications/progress").map((m) => m.params!.progress!);
}

describe("streamableHttpUpstream", () => {
  test("sends Accept, takes the session id from initialize, then sends it and MCP-Protocol-Version (T-POST-02, T-SESS-04, T-PV-01)", async () => {
    const { fixture, conn } = await connected();
    const [initPost, notif] = fixture.seen;
    assert.equal(initPost!.headers.get("accept"), "application/json, text/event-stream");
    assert.equal(initPost!.headers.get("mcp-session-id"), null);
    assert.equal(initPost!.headers.get("mcp-protocol-version"), null);
    assert.equal(notif!.headers.get("mcp-session-id"), "session-1");
    assert.equal(notif!.headers.get("mcp-protocol-version"), "2025-11-25");
    await conn.close();
  });

  test("handles SSE replies and ends the stream at the response", async () => {
    const { conn } = await connected();
    const items = await callSlow(conn, 3);
    assert.deepEqual(progressOf(items), [1, 2, 3]);
    const last = items.at(-1)!.message;
    assert.ok("result" in last && last.id === 7);
    await conn.close();
  });

  test("handles JSON replies", async () => {
    const { conn } = await connected({ json: true });
    const reply = await conn.send([{ jsonrpc: "2.0", id: 2, method: "ping" }]);
    assert.equal(reply.type, "messages");
    if (reply.type === "messages") {
      assert.equal(reply.delivery, "complete");
      assert.deepEqual((await collect(reply.messages)).map((i) => i.message), [{ jsonrpc: "2.0", id: 2, result: {} }]);
    }
    await conn.close();
  });

  test("GET 405 means no standalone stream; DELETE on close tolerates 405 (T-GET-01, T-SESS-08)", async () => {
    const { fixture, conn } = await connected({ getStream: false });
    assert.equal(await conn.listen(), null);
    await conn.close();
    const del = fixture.seen.find((s) => s.method === "DELETE");
    assert.equal(del?.headers.get("mcp-session-id"), "session-1");
  });

  test("a POST stream cut mid tool call resumes with Last-Event-ID: every event once, none lost (T-RES-02)", async () => {
    const { fixture, conn, reconnects } = await connected({ cutAfterEvents: 3, stepMs: 15 });
    const items = await callSlow(conn, 6);
    assert.deepEqual(progressOf(items), [1, 2, 3, 4, 5, 6]);
    assert.ok("result" in items.at(-1)!.message);
    const ids = items.map((i) => i.eventId);
    assert.equal(new Set(ids).size, ids.length, `duplicated event ids: ${ids}`);
    const resume = fixture.seen.find((s) => s.method === "GET" && s.headers.has("last-event-id"));
    assert.ok(resume, "resumed with GET + Last-Event-ID");
    assert.equal(resume.headers.get("mcp-session-id"), "session-1");
    assert.equal(reconnects.length, 1);
    await conn.close();
  });

  test("a stream closed cleanly after the priming event is polled after `retry` ms (T-RES-04)", async () => {
    const { conn, reconnects } = await connected({ pollingClose: true, retryMs: 300, stepMs: 5 });
    const started = Date.now();
    const items = await callSlow(conn, 2);
    const elapsed = Date.now() - started;
    assert.deepEqual(progressOf(items), [1, 2]);
    assert.deepEqual(reconnects, [300]);
    assert.ok(elapsed >= 290, `waited ${elapsed} ms, retry was 300 ms`);
    assert.ok(elapsed < 1_500, `waited ${elapsed} ms`);
    await conn.close();
  });

  test("a stream without any event id is not resumed; the reply ends", async () => {
    let calls = 0;
    const conn = streamableHttpUpstream({
      url: URL_,
      fetch: () =>
        Promise.resolve(++calls).then(() =>
          new Response(new ReadableStream({ start: (c) => c.error(new Error("reset")) }), {
            headers: { "content-type": "text/event-stream" },
          })
        ),
    }).connect();
    const reply = await conn.send([{ jsonrpc: "2.0", id: 1, method: "ping" }]);
    assert.equal(reply.type, "messages");
    if (reply.type === "messages") assert.deepEqual(await collect(reply.messages), []);
    assert.equal(calls, 1, "no reconnection without an event id");
  });

  test("resuming a stream of a forgotten session fails with UpstreamSessionLostError", async () => {
    const { fixture, conn } = await connected({ cutAfterEvents: 2, stepMs: 30 });
    const reply = await conn.send([{
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name: "slow", arguments: { steps: 5 } },
    }]);
    fixture.forgetAll();
    assert.equal(reply.type, "messages");
    if (reply.type === "messages") {
      await assert.rejects(collect(reply.messages), { name: "UpstreamSessionLostError" });
    }
    await conn.close();
  });

  test("the standalone GET stream is reconnected when the upstream ends it, from the last event id", async () => {
    const { fixture, conn } = await connected({}, { initialDelayMs: 10, maxDelayMs: 50, maxAttempts: 3 });
    const stream = await conn.listen();
    assert.ok(stream instanceof ReadableStream);
    const reader = stream.getReader();
    fixture.notify("session-1", { jsonrpc: "2.0", method: "notifications/message", params: { n: 1 } });
    const first = await reader.read();
    assert.deepEqual((first.value!.message as { params: unknown }).params, { n: 1 });
    // The upstream ends the GET connection, then sends more.
    fixture.sessions.get("session-1")!.standalone.end();
    fixture.sessions.get("session-1")!.standalone.done = false;
    fixture.notify("session-1", { jsonrpc: "2.0", method: "notifications/message", params: { n: 2 } });
    const second = await reader.read();
    assert.deepEqual((second.value!.message as { params: unknown }).params, { n: 2 });
    const gets = fixture.seen.filter((s) => s.method === "GET");
    assert.equal(gets.length, 2);
    assert.equal(gets[1]!.headers.get("last-event-id"), first.value!.eventId);
    await reader.cancel();
    await conn.close();
  });

  test("a connect timeout turns a silent upstream into UpstreamUnavailableError", async () => {
    const conn = streamableHttpUpstream({
      url: URL_,
      connectTimeoutMs: 100,
      // fetch gets a URL and init (or a Request): the signal is in whichever carries it.
      fetch: (input, init) =>
        new Promise((_, reject) =>
          (init?.signal ?? (input as Request).signal)!.addEventListener("abort", () => reject(new Error("aborted")))
        ),
    }).connect();
    const started = Date.now();
    await assert.rejects(conn.send([initRequest()]), { name: "UpstreamUnavailableError", message: /within 100 ms/ });
    assert.ok(Date.now() - started < 1_000);
  });

  test("a stateless upstream: no session id is sent, GET 404 means no standalone stream (T-SESS-01, T-GET-01)", async () => {
    const { fixture, conn } = await connected({ stateless: true });
    assert.equal(await conn.listen(), null);
    const out = await callSlow(conn, 2);
    assert.ok("result" in out.at(-1)!.message);
    assert.ok(fixture.seen.every((s) => !s.headers.has("mcp-session-id")));
    await conn.close();
    assert.equal(fixture.seen.filter((s) => s.method === "DELETE").length, 0, "no session, nothing to DELETE");
  });

  test("a 404 is a lost session only when the request carried a session id (T-SESS-06/07)", async () => {
    const gone = () =>
      new Response(JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message: "gone" } }), {
        status: 404,
      });
    for (const stateless of [true, false]) {
      const fixture = createFixture({ stateless });
      const fetch_: typeof fetch = async (input, init_) => {
        const request = new Request(input, init_);
        const body = request.method === "POST" ? await request.clone().text() : "";
        // After initialize, every ping and every GET gets a 404 with a session-ish body.
        if (body.includes('"ping"') || request.method === "GET") return gone();
        return fixture.handler(request);
      };
      const conn = streamableHttpUpstream({ url: URL_, fetch: fetch_ }).connect();
      const reply = await conn.send([initRequest()]);
      if (reply.type === "messages") await collect(reply.messages);
      const ping = await conn.send([{ jsonrpc: "2.0", id: 2, method: "ping" }]);
      assert.equal(ping.type, "http");
      if (ping.type === "http") {
        assert.equal(ping.sessionLost, !stateless, `stateless ${stateless}`);
        assert.equal(ping.response.status, 404, "relayed as it is");
        await ping.response.body?.cancel();
      }
      const listened = await conn.listen();
      if (stateless) assert.equal(listened, null);
      else {
        assert.ok(listened !== null && "type" in listened && listened.sessionLost === true);
        await listened.response.body?.cancel();
      }
      await conn.close();
    }
  });

  test("a broken stream of a stateless upstream is not resumed against its 404 GET: the reply ends at once", async () => {
    const { fixture, conn, reconnects } = await connected({ stateless: true, cutAfterEvents: 2 });
    const started = Date.now();
    const out = await callSlow(conn, 5);
    assert.ok(out.every((m) => !("result" in m.message)));
    assert.equal(fixture.seen.filter((s) => s.method === "GET").length, 1, "one try, no backoff loop");
    assert.equal(reconnects.length, 1);
    assert.ok(Date.now() - started < 1_000);
    await conn.close();
  });
});
