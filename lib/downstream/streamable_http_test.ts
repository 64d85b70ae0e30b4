/**
 * The downstream Streamable HTTP endpoint: status codes, sessions, batching and the version header, per
 * revision. Rule IDs from docs/spec-rules.md.
 */
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createReverseProxy, type ReverseProxy, type ReverseProxyOptions } from "../proxy/reverse.ts";
import { exampleUpstream, messagesOf, RawClient } from "../../testing/downstream.ts";
import type { Upstream, UpstreamMessage } from "../upstream/types.ts";
import { streamableHttpUpstream } from "../upstream/streamable_http.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";

let proxies: ReverseProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  proxies = [];
});

function setup(options: Partial<ReverseProxyOptions> = {}): RawClient {
  const proxy = createReverseProxy({ upstream: exampleUpstream(), ...options });
  proxies.push(proxy);
  return new RawClient(proxy.fetch);
}

/** An upstream whose every reply is JSON, answered by `answer`. */
function jsonUpstream(answer: (m: JsonRpcMessage) => JsonRpcMessage | undefined): Upstream {
  return {
    description: "json-fake",
    connect: () => ({
      ended: new Promise(() => {}),
      send: (messages) => {
        const out = messages.map(answer).filter((m): m is JsonRpcMessage => m !== undefined);
        if (out.length === 0) return Promise.resolve({ type: "accepted" });
        return Promise.resolve({
          type: "messages",
          delivery: "complete",
          messages: new ReadableStream<UpstreamMessage>({
            start(c) {
              for (const message of out) c.enqueue({ message });
              c.close();
            },
          }),
        });
      },
      listen: () => Promise.resolve(null),
      close: () => Promise.resolve(),
    }),
  };
}

const ping = (id: string | number) => ({ jsonrpc: "2.0", id, method: "ping" });

async function errorOf(response: Response): Promise<{ code: number; message: string; hasId: boolean }> {
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  const body = await response.json();
  assert.equal(body.jsonrpc, "2.0");
  return { code: body.error.code, message: body.error.message, hasId: "id" in body };
}

describe("POST", () => {
  test("T-POST-03, T-RPC-07: a notification gets 202 with an empty body and no response", async () => {
    const c = setup();
    await c.initialize();
    const r = await c.post({ jsonrpc: "2.0", method: "notifications/roots/list_changed" });
    assert.equal(r.status, 202);
    assert.equal(await r.text(), "");
  });

  test("T-POST-05/06/07: a request gets an SSE stream carrying its response, which then ends", async () => {
    const c = setup();
    await c.initialize("2025-06-18");
    const r = await c.post(ping(7));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "text/event-stream");
    assert.deepEqual(await messagesOf(r), [{ jsonrpc: "2.0", id: 7, result: {} }]);
  });

  test("T-POST-05: a JSON reply of the upstream reaches the client as one JSON object", async () => {
    const c = setup({
      upstream: jsonUpstream((m) =>
        "method" in m && "id" in m
          ? { jsonrpc: "2.0", id: m.id, result: m.method === "initialize" ? { protocolVersion: "2025-06-18" } : {} }
          : undefined
      ),
    });
    const init = await c.initialize("2025-06-18");
    assert.match(init.headers.get("content-type")!, /^application\/json/);
    const r = await c.post(ping("x"));
    assert.match(r.headers.get("content-type")!, /^application\/json/);
    assert.deepEqual(await r.json(), { jsonrpc: "2.0", id: "x", result: {} });
  });

  test("T-POST-14: non-ASCII text passes through as UTF-8", async () => {
    const c = setup();
    await c.initialize();
    const text = "ünïcödé ☃ 日本語 🚀";
    const [m] = await messagesOf(
      await c.post({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "echo", arguments: { message: text } },
      }),
    );
    assert.deepEqual((m as { result: unknown }).result, { content: [{ type: "text", text }] });
  });

  test("T-RPC-01: unparseable JSON gets 400 and -32700 without an id", async () => {
    const c = setup();
    await c.initialize();
    const r = await c.post("{bad");
    assert.equal(r.status, 400);
    assert.deepEqual(await errorOf(r), {
      code: -32700,
      message: "Parse error: the body is not valid JSON",
      hasId: false,
    });
  });

  test("T-RPC-02: JSON that is not JSON-RPC gets 400 and -32600 without an id", async () => {
    const c = setup();
    await c.initialize();
    const r = await c.post({ id: 6, method: "ping" });
    assert.equal(r.status, 400);
    const e = await errorOf(r);
    assert.equal(e.code, -32600);
    assert.equal(e.hasId, false);
  });

  test("T-RPC-04: an unknown method is a normal JSON-RPC error response", async () => {
    const c = setup();
    await c.initialize();
    const [m] = await messagesOf(await c.post({ jsonrpc: "2.0", id: 3, method: "no/such" }));
    assert.equal((m as { error: { code: number } }).error.code, -32601);
  });

  test("T-CT-01: 415 when Content-Type is not application/json; parameters are fine", async () => {
    const c = setup();
    await c.initialize();
    const bad = await c.post(ping(1), { "content-type": "text/plain" });
    assert.equal(bad.status, 415);
    assert.equal((await errorOf(bad)).hasId, false);
    const ok = await c.post(ping(1), { "content-type": "application/json; charset=utf-8" });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  });

  test("T-POST-02: 406 when Accept lacks text/event-stream or application/json", async () => {
    const c = setup();
    await c.initialize();
    for (const accept of ["application/json", "text/event-stream", "text/html"]) {
      const r = await c.post(ping(1), { accept });
      assert.equal(r.status, 406, accept);
      await r.body?.cancel();
    }
    const wildcard = await c.post(ping(1), { accept: "*/*" });
    assert.equal(wildcard.status, 200);
    await wildcard.body?.cancel();
  });

  test("413 for a body over the limit", async () => {
    const c = setup({ maxBodyBytes: 200 });
    await c.initialize();
    const r = await c.post({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "echo", arguments: { message: "x".repeat(500) } },
    });
    assert.equal(r.status, 413);
    assert.equal((await errorOf(r)).hasId, false);
  });
});

describe("sessions", () => {
  test("T-SESS-02/03: session ids are visible ASCII, long and distinct", async () => {
    const c = setup();
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      await c.initialize();
      assert.match(c.sessionId!, /^[\x21-\x7e]{32,}$/);
      ids.add(c.sessionId!);
    }
    assert.equal(ids.size, 20);
  });

  test("T-SESS-05: a request without a session id gets 400", async () => {
    const c = setup();
    const r = await c.post(ping(1));
    assert.equal(r.status, 400);
    assert.equal((await errorOf(r)).hasId, false);
    const get = await c.request("GET", { accept: "text/event-stream" });
    assert.equal(get.status, 400);
    await get.body?.cancel();
  });

  test("T-SESS-06: an unknown session id gets 404 on POST, GET and DELETE", async () => {
    const c = setup();
    c.sessionId = "no-such-session";
    const post = await c.post(ping(1));
    assert.equal(post.status, 404);
    assert.equal((await errorOf(post)).code, -32001);
    for (const method of ["GET", "DELETE"]) {
      const r = await c.request(method, { accept: "text/event-stream" });
      assert.equal(r.status, 404, method);
      await r.body?.cancel();
    }
  });

  test("T-POST-04: a notification for an unknown session gets 404 with an id-less JSON-RPC error", async () => {
    const c = setup();
    c.sessionId = "no-such-session";
    const r = await c.post({ jsonrpc: "2.0", method: "notifications/initialized" });
    assert.equal(r.status, 404);
    assert.equal((await errorOf(r)).hasId, false);
  });

  test("T-LIFE-04: notifications/cancelled is accepted with 202, also for an unknown request id", async () => {
    const c = setup();
    await c.initialize();
    const r = await c.post({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "never-sent" } });
    assert.equal(r.status, 202);
    assert.equal(await r.text(), "");
  });

  test("T-SESS-06/08: DELETE answers 200, then the session id gets 404", async () => {
    const c = setup();
    await c.initialize();
    const del = await c.request("DELETE");
    assert.equal(del.status, 200);
    const after = await c.post(ping(1));
    assert.equal(after.status, 404);
    await after.body?.cancel();
  });

  test("an idle session expires, then gets 404", async () => {
    const c = setup({ sessionIdleTimeoutMs: 80 });
    await c.initialize();
    const live = await c.post(ping(1));
    assert.equal(live.status, 200);
    await live.body?.cancel();
    await new Promise((r) => setTimeout(r, 250));
    const expired = await c.post(ping(2));
    assert.equal(expired.status, 404);
    await expired.body?.cancel();
  });

  test("T-SESS-09: initialize on a live session is refused with 400 -32600", async () => {
    const c = setup();
    await c.initialize();
    const r = await c.post({ jsonrpc: "2.0", id: 2, method: "initialize", params: { protocolVersion: "2025-06-18" } });
    assert.equal(r.status, 400);
    assert.equal((await errorOf(r)).code, -32600);
  });

  test("a failed initialize leaves no session behind", async () => {
    const c = setup({
      upstream: jsonUpstream((m) =>
        "id" in m ? { jsonrpc: "2.0", id: m.id as number, error: { code: -32602, message: "bad version" } } : undefined
      ),
    });
    await c.initialize();
    const r = await c.post(ping(1));
    assert.equal(r.status, 404);
    await r.body?.cancel();
  });
});

describe("methods", () => {
  test("T-EP-03: PUT and PATCH get 405 with Allow", async () => {
    const c = setup();
    for (const method of ["PUT", "PATCH"]) {
      const r = await c.request(method);
      assert.equal(r.status, 405);
      assert.equal(r.headers.get("allow"), "GET, POST, DELETE");
      assert.equal((await errorOf(r)).hasId, false);
    }
  });

  test("T-GET-01: GET gets 405 with Allow when the GET stream is turned off", async () => {
    const c = setup({ getStream: false });
    await c.initialize();
    const r = await c.request("GET", { accept: "text/event-stream" });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get("allow"), "POST, DELETE");
    await r.body?.cancel();
  });

  test("T-GET-01: GET gets 405 when the upstream has no GET stream", async () => {
    const c = setup({
      upstream: jsonUpstream((m) => ("id" in m ? { jsonrpc: "2.0", id: m.id as number, result: {} } : undefined)),
    });
    await c.initialize();
    const r = await c.request("GET", { accept: "text/event-stream" });
    assert.equal(r.status, 405);
    await r.body?.cancel();
  });

  test("T-GET-02: GET without text/event-stream in Accept gets 406", async () => {
    const c = setup();
    await c.initialize();
    const r = await c.request("GET", { accept: "application/json" });
    assert.equal(r.status, 406);
    await r.body?.cancel();
  });

  test("an unknown path gets a JSON-RPC 404, never HTML", async () => {
    const proxy = createReverseProxy({ upstream: exampleUpstream() });
    proxies.push(proxy);
    const r = await proxy.fetch(new Request("http://127.0.0.1/nope"));
    assert.equal(r.status, 404);
    assert.equal((await errorOf(r)).hasId, false);
  });
});

describe("batches (T-BATCH-*)", () => {
  test("T-BATCH-01: a 2025-03-26 session accepts a batch of requests and answers each", async () => {
    const c = setup();
    await c.initialize("2025-03-26");
    const r = await c.post([ping("a"), ping("b")]);
    assert.equal(r.status, 200);
    const ids = (await messagesOf(r)).map((m) => ("id" in m ? m.id : undefined)).sort();
    assert.deepEqual(ids, ["a", "b"]);
  });

  test("T-BATCH-01: JSON replies to a batch come back as one JSON array", async () => {
    const c = setup({
      upstream: jsonUpstream((m) =>
        "method" in m && "id" in m
          ? { jsonrpc: "2.0", id: m.id, result: m.method === "initialize" ? { protocolVersion: "2025-03-26" } : {} }
          : undefined
      ),
    });
    await c.initialize("2025-03-26");
    const r = await c.post([ping(1), { jsonrpc: "2.0", method: "notifications/x" }, ping(2)]);
    assert.match(r.headers.get("content-type")!, /^application\/json/);
    const body = await r.json();
    assert.ok(Array.isArray(body));
    assert.deepEqual(body.map((m: { id: number }) => m.id).sort(), [1, 2]);
  });

  test("T-BATCH-01: an HTTP failure of one batch member becomes that request's JSON-RPC error", async () => {
    const upstreamFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const body = await new Request(input, init).json();
      if (!("id" in body)) return new Response(null, { status: 202 });
      if (body.method === "tools/call") return new Response("busy", { status: 503 });
      const result = body.method === "initialize" ? { protocolVersion: "2025-03-26" } : {};
      return Response.json({ jsonrpc: "2.0", id: body.id, result }, { headers: { "mcp-session-id": "u" } });
    };
    const c = setup({ upstream: streamableHttpUpstream({ url: "http://upstream.test/mcp", fetch: upstreamFetch }) });
    await c.initialize("2025-03-26");
    const r = await c.post([ping(1), { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "x" } }]);
    assert.equal(r.status, 200);
    const byId = new Map((await messagesOf(r)).map((m) => ["id" in m ? m.id : null, m]));
    assert.deepEqual(byId.get(1), { jsonrpc: "2.0", id: 1, result: {} });
    const failed = byId.get(2) as { error: { code: number; message: string } };
    assert.equal(failed.error.code, -32003);
    assert.match(failed.error.message, /HTTP 503/);
  });

  test("T-BATCH-02: a batch of only notifications gets 202", async () => {
    const c = setup();
    await c.initialize("2025-03-26");
    const r = await c.post([{ jsonrpc: "2.0", method: "notifications/a" }, {
      jsonrpc: "2.0",
      method: "notifications/b",
    }]);
    assert.equal(r.status, 202);
    assert.equal(await r.text(), "");
  });

  test("T-BATCH-05: a batch in a 2025-06-18 or 2025-11-25 session gets 400 and -32600", async () => {
    for (const revision of ["2025-06-18", "2025-11-25"]) {
      const c = setup();
      await c.initialize(revision);
      const r = await c.post([ping(1), ping(2)]);
      assert.equal(r.status, 400, revision);
      assert.equal((await errorOf(r)).code, -32600);
    }
  });

  test("T-BATCH-04: initialize inside a batch is refused", async () => {
    const c = setup();
    const r = await c.post([{ jsonrpc: "2.0", id: 1, method: "initialize", params: {} }, ping(2)]);
    assert.equal(r.status, 400);
    assert.equal((await errorOf(r)).code, -32600);
  });

  test("T-BATCH-06: an empty batch gets 400 and -32600", async () => {
    const c = setup();
    await c.initialize("2025-03-26");
    const r = await c.post("[]");
    assert.equal(r.status, 400);
    assert.equal((await errorOf(r)).code, -32600);
  });
});

describe("MCP-Protocol-Version (T-PV-*)", () => {
  test("T-PV-02: from 2025-06-18 an invalid or unsupported version gets 400", async () => {
    for (const revision of ["2025-06-18", "2025-11-25"]) {
      const c = setup();
      await c.initialize(revision);
      for (const value of ["banana", "1999-01-01", "2026-07-28"]) {
        const r = await c.post(ping(1), { "mcp-protocol-version": value });
        assert.equal(r.status, 400, `${revision} ${value}`);
        await r.body?.cancel();
      }
      const ok = await c.post(ping(1), { "mcp-protocol-version": revision });
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
    }
  });

  test("T-PV-03: without the header the negotiated revision applies and the request is served", async () => {
    const c = setup();
    await c.initialize("2025-06-18");
    const r = await c.post(ping(1));
    assert.equal(r.status, 200);
    await r.body?.cancel();
  });

  test("a 2025-03-26 session does not validate the header (the header did not exist yet)", async () => {
    const c = setup();
    await c.initialize("2025-03-26");
    const r = await c.post(ping(1), { "mcp-protocol-version": "banana" });
    assert.equal(r.status, 200);
    await r.body?.cancel();
  });

  test("T-PV-04: a supported revision other than the negotiated one is accepted", async () => {
    const c = setup();
    await c.initialize("2025-11-25");
    const r = await c.post(ping(1), { "mcp-protocol-version": "2025-06-18" });
    assert.equal(r.status, 200);
    await r.body?.cancel();
  });

  test("T-PV-05: initialize is served with or without the header", async () => {
    const c = setup();
    const r = await c.post(
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
      },
      { "mcp-protocol-version": "2025-06-18" },
    );
    assert.equal(r.status, 200);
    await r.body?.cancel();
  });

  test("T-LIFE-01: an unknown requested version negotiates the latest supported one", async () => {
    const c = setup();
    const r = await c.post({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "1999-01-01", capabilities: {}, clientInfo: { name: "x", version: "1" } },
    });
    const [m] = await messagesOf(r);
    assert.equal((m as { result: { protocolVersion: string } }).result.protocolVersion, "2025-11-25");
  });
});
