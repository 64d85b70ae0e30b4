/**
 * A stateless Streamable HTTP upstream (no `Mcp-Session-Id`, GET answered 404, like the official conformance
 * suite's `tools_call` server) through the resilient upstream and the forward proxy: a 404 to a request that
 * carried no session id is not a lost session (T-SESS-06/07), a GET without a session answered 404 or 405 means
 * "no standalone stream" (T-GET-01), and nothing is re-initialized or dropped.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ResilienceEvent, resilientUpstream } from "./resilient.ts";
import { streamableHttpUpstream } from "./streamable_http.ts";
import { serveStdio } from "../downstream/stdio.ts";
import { collect } from "../../testing/messages.ts";
import { createFixture } from "../../testing/upstream_fixture.ts";
import { initRequest } from "../../testing/messages.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";

const FAST = { initialDelayMs: 10, maxDelayMs: 40, maxAttempts: 3 };
const INITIALIZED: JsonRpcMessage = { jsonrpc: "2.0", method: "notifications/initialized" };
const slowCall = (id: number, steps = 4): JsonRpcMessage => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "slow", arguments: { steps } },
});

function statelessSetup() {
  const fixture = createFixture({ stateless: true, stepMs: 15 });
  const events: ResilienceEvent[] = [];
  const upstream = resilientUpstream(
    streamableHttpUpstream({ url: "http://upstream.test/mcp", fetch: fixture.fetch, reconnect: FAST }),
    { recovery: FAST, onEvent: (e) => events.push(e) },
  );
  const initializes = () =>
    fixture.seen.filter((s) => s.body && "method" in s.body && s.body.method === "initialize").length;
  return { fixture, events, upstream, initializes };
}

describe("a stateless upstream (no session id, GET 404)", () => {
  test("listen() is null, nothing is re-initialized, and the reply in flight arrives (T-SESS-06, T-GET-01)", async () => {
    const { fixture, events, upstream, initializes } = statelessSetup();
    const conn = upstream.connect();
    const first = await conn.send([initRequest(undefined, "c1")]);
    assert.equal(first.type, "messages");
    if (first.type === "messages") await collect(first.messages);
    assert.equal((await conn.send([INITIALIZED])).type, "accepted");
    // What the forward proxy does: a request goes out, and the standalone stream is asked for meanwhile.
    const reply = await conn.send([slowCall(2)]);
    assert.equal(await conn.listen(), null);
    assert.equal(reply.type, "messages");
    const out = reply.type === "messages" ? (await collect(reply.messages)).map((m) => m.message) : [];
    assert.deepEqual(out.at(-1), {
      jsonrpc: "2.0",
      id: 2,
      result: { content: [{ type: "text", text: "done after 4 steps" }] },
    });
    assert.equal(initializes(), 1);
    assert.deepEqual(events, []);
    // No session id was ever sent, so none was made up.
    assert.ok(fixture.seen.every((s) => !s.headers.has("mcp-session-id")));
    await conn.close();
  });

  test("the forward proxy delivers every reply; the standalone GET is tried once", async () => {
    const { fixture, events, upstream, initializes } = statelessSetup();
    const lines = [
      initRequest(undefined, 1),
      INITIALIZED,
      slowCall(2),
      { jsonrpc: "2.0", id: 3, method: "tools/list" },
      slowCall(4, 2),
    ];
    const input = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(lines.map((l) => JSON.stringify(l) + "\n").join("")));
        controller.close();
      },
    });
    const output: JsonRpcMessage[] = [];
    const proxy = serveStdio({
      upstream,
      input,
      output: (text) => {
        output.push(JSON.parse(text));
        return Promise.resolve();
      },
    });
    assert.equal(await proxy.done, "input-closed");
    const byId = new Map(output.map((m) => ["id" in m ? m.id : null, m]));
    for (const id of [1, 2, 3, 4]) {
      const m = byId.get(id);
      assert.ok(m && "result" in m, `request ${id}: ${JSON.stringify(m)}`);
    }
    // Nothing else but the fixture's progress notifications: no duplicate and no stray error.
    assert.equal(output.filter((m) => "id" in m).length, 4, JSON.stringify(output));
    assert.equal(initializes(), 1);
    assert.deepEqual(events, []);
    assert.equal(fixture.seen.filter((s) => s.method === "GET").length, 1);
  });
});
