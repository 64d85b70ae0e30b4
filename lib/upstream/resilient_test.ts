import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ResilienceEvent, resilientUpstream } from "./resilient.ts";
import { streamableHttpUpstream } from "./streamable_http.ts";
import { type StdioChild, stdioUpstream } from "./stdio.ts";
import { collect } from "../../testing/messages.ts";
import { createFixture, type FixtureOptions } from "../../testing/upstream_fixture.ts";
import { initRequest } from "../../testing/messages.ts";
import type { Upstream, UpstreamConnection, UpstreamReply } from "./types.ts";
import { ErrorCode, type JsonRpcMessage } from "../jsonrpc/types.ts";
import { splitLines } from "../kit/lines.ts";
import { isSessionLost } from "./session_lost.ts";

const FAST = { initialDelayMs: 10, maxDelayMs: 40, maxAttempts: 3 };
const INITIALIZED: JsonRpcMessage = { jsonrpc: "2.0", method: "notifications/initialized" };

async function handshake(conn: UpstreamConnection): Promise<JsonRpcMessage[]> {
  const reply = await conn.send([initRequest(undefined, "client-1")]);
  assert.equal(reply.type, "messages");
  const out = reply.type === "messages" ? (await collect(reply.messages)).map((i) => i.message) : [];
  assert.equal((await conn.send([INITIALIZED])).type, "accepted");
  return out;
}

async function messagesOf(reply: UpstreamReply): Promise<JsonRpcMessage[]> {
  assert.equal(
    reply.type,
    "messages",
    `reply was ${reply.type}${reply.type === "http" ? ` ${reply.response.status}` : ""}`,
  );
  return reply.type === "messages" ? (await collect(reply.messages)).map((i) => i.message) : [];
}

function httpSetup(options: FixtureOptions = {}, extra: Parameters<typeof resilientUpstream>[1] = {}) {
  const fixture = createFixture(options);
  const events: ResilienceEvent[] = [];
  const upstream = resilientUpstream(
    streamableHttpUpstream({ url: "http://upstream.test/mcp", fetch: fixture.fetch, reconnect: FAST }),
    { recovery: FAST, onEvent: (e) => events.push(e), ...extra },
  );
  return { fixture, events, conn: upstream.connect() };
}

const initializes = (fixture: ReturnType<typeof createFixture>) =>
  fixture.seen.filter((s) => s.body && "method" in s.body && s.body.method === "initialize");

describe("resilientUpstream over Streamable HTTP", () => {
  for (const status of [404, 400] as const) {
    test(`an upstream ${status} for the session is repaired: re-initialize, retry once, the client sees only its result (T-SESS-07)`, async () => {
      const { fixture, events, conn } = httpSetup({ unknownSessionStatus: status });
      await handshake(conn);
      fixture.forgetAll(); // the upstream restarted
      const out = await messagesOf(await conn.send([{ jsonrpc: "2.0", id: 5, method: "ping" }]));
      assert.deepEqual(out, [{ jsonrpc: "2.0", id: 5, result: {} }]);
      const inits = initializes(fixture);
      assert.equal(inits.length, 2);
      const replayed = inits[1]!.body as { id: unknown; params: unknown };
      assert.match(String(replayed.id), /^mcpwire-reinit-/);
      assert.deepEqual(replayed.params, initRequest(undefined, "client-1").params);
      // The replayed handshake includes notifications/initialized, on the new session.
      const notes = fixture.seen.filter((s) =>
        s.body && "method" in s.body && s.body.method === "notifications/initialized"
      );
      assert.equal(notes.length, 2);
      assert.equal(notes[1]!.headers.get("mcp-session-id"), "session-2");
      assert.deepEqual(events.map((e) => e.type), ["session-lost", "reinitialized"]);
      await conn.close();
    });
  }

  test("a recovery started by a request moves the open standalone stream to the new session at once, the reply in flight still arrives", async () => {
    const { fixture, conn } = httpSetup();
    await handshake(conn);
    const listened = await conn.listen();
    assert.ok(listened instanceof ReadableStream);
    const reader = listened.getReader();
    const next = reader.read(); // a client's GET is always waiting for the next message
    // A call in flight keeps the old connection open (its reply must not be cut) after the recovery.
    const slow = await conn.send([{
      jsonrpc: "2.0",
      id: 4,
      method: "tools/call",
      params: { name: "slow", arguments: { steps: 10 } },
    }]);
    fixture.forgetAll(); // the old GET stays connected, but its session is gone
    await messagesOf(await conn.send([{ jsonrpc: "2.0", id: 5, method: "ping" }]));
    // The new session's GET opens without waiting for the old one to end.
    const deadline = Date.now() + 2_000;
    while (!fixture.seen.some((s) => s.method === "GET" && s.headers.get("mcp-session-id") === "session-2")) {
      assert.ok(Date.now() < deadline, "no GET on the new session");
      await new Promise((r) => setTimeout(r, 5));
    }
    fixture.notify("session-2", { jsonrpc: "2.0", method: "notifications/message", params: { from: "new" } });
    assert.deepEqual(((await next).value?.message as { params: unknown }).params, { from: "new" });
    // …and the call that was in flight on the old session still gets its answer.
    assert.ok("result" in (await messagesOf(slow)).at(-1)!);
    await reader.cancel();
    await conn.close();
  });

  test("the replayed initialize carries the client's latest Authorization (a refreshed token)", async () => {
    const { fixture, conn } = httpSetup();
    const reply = await conn.send([initRequest(undefined, "c")], {
      headers: new Headers({ authorization: "Bearer old" }),
    });
    if (reply.type === "messages") await collect(reply.messages);
    await conn.send([INITIALIZED], { headers: new Headers({ authorization: "Bearer old" }) });
    fixture.forgetAll();
    await messagesOf(
      await conn.send([{ jsonrpc: "2.0", id: 2, method: "ping" }], {
        headers: new Headers({ authorization: "Bearer new" }),
      }),
    );
    const inits = initializes(fixture);
    assert.deepEqual(inits.map((i) => i.headers.get("authorization")), ["Bearer old", "Bearer new"]);
    await conn.close();
  });

  test("an upstream that keeps forgetting the session: one retry per request, then a clear end, no tight loop", async () => {
    const fixture = createFixture();
    // Every ping finds its session forgotten.
    const always404: typeof fetch = async (input, init_) => {
      const request = new Request(input, init_);
      if ((await request.clone().text()).includes('"ping"')) fixture.forgetAll();
      return fixture.handler(request);
    };
    const upstream = resilientUpstream(
      streamableHttpUpstream({ url: "http://upstream.test/mcp", fetch: always404, reconnect: FAST }),
      { recovery: FAST, maxRecoveries: 2 },
    );
    const conn = upstream.connect();
    await handshake(conn);
    const first = await conn.send([{ jsonrpc: "2.0", id: 5, method: "ping" }]);
    assert.equal(first.type, "http");
    if (first.type === "http") assert.equal(first.response.status, 404);
    await conn.send([{ jsonrpc: "2.0", id: 6, method: "ping" }]);
    await assert.rejects(conn.send([{ jsonrpc: "2.0", id: 7, method: "ping" }]), {
      name: "UpstreamUnavailableError",
      message: /giving up/,
    });
    await conn.ended; // the session ends with the connection
    assert.ok(initializes(fixture).length <= 4, `${initializes(fixture).length} initializes`);
    await assert.rejects(conn.send([{ jsonrpc: "2.0", id: 8, method: "ping" }]), { name: "UpstreamUnavailableError" });
  });

  test("an unreachable upstream is retried with backoff, then given up with an error", async () => {
    const fixture = createFixture();
    let down = false;
    let calls = 0;
    const flaky: typeof fetch = (input, init_) => {
      if (!down) return fixture.fetch(input, init_);
      calls++;
      return Promise.reject(new TypeError("connection refused"));
    };
    const upstream = resilientUpstream(
      streamableHttpUpstream({ url: "http://upstream.test/mcp", fetch: flaky, reconnect: FAST }),
      { recovery: { initialDelayMs: 50, maxDelayMs: 100, maxAttempts: 3 } },
    );
    const conn = upstream.connect();
    await handshake(conn);
    down = true;
    const started = Date.now();
    await assert.rejects(conn.send([{ jsonrpc: "2.0", id: 5, method: "ping" }]), {
      message: /could not be re-initialized after 3 attempts/,
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 50, `backed off ${elapsed} ms`);
    assert.ok(calls <= 6, `${calls} upstream calls`);
    await conn.ended;
  });

  test("a request timeout answers -32004 and sends notifications/cancelled upstream; progress resets the clock", async () => {
    const { fixture, events, conn } = httpSetup({ stepMs: 80 }, { requestTimeoutMs: 200 });
    await handshake(conn);
    const started = Date.now();
    const hung = await messagesOf(
      await conn.send([{ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "hang" } }]),
    );
    const elapsed = Date.now() - started;
    assert.equal(hung.length, 1);
    assert.equal((hung[0] as { error: { code: number } }).error.code, ErrorCode.RequestTimeout);
    assert.ok(elapsed >= 190 && elapsed < 2_000, `timed out after ${elapsed} ms`);
    await new Promise((r) => setTimeout(r, 20));
    const cancelled = fixture.seen.find((s) =>
      s.body && "method" in s.body && s.body.method === "notifications/cancelled"
    );
    assert.deepEqual((cancelled?.body as unknown as { params: { requestId: unknown } }).params.requestId, 9);
    assert.deepEqual(events.map((e) => e.type), ["request-timeout"]);
    // 6 steps of 80 ms = 480 ms > 200 ms, but every progress notification resets the timeout.
    const slow = await messagesOf(
      await conn.send([{
        jsonrpc: "2.0",
        id: 10,
        method: "tools/call",
        params: { name: "slow", arguments: { steps: 6 }, _meta: { progressToken: 1 } },
      }]),
    );
    assert.ok("result" in slow.at(-1)!, JSON.stringify(slow.at(-1)));
    await conn.close();
  });
});

/** An in-memory stdio MCP server: answers initialize and ping, never answers `hang`; `exit()` kills it. */
function fakeChildren() {
  const children: {
    child: StdioChild;
    received: JsonRpcMessage[];
    notify: (m: JsonRpcMessage) => void;
    exit: () => void;
  }[] = [];
  const spawn = (): StdioChild => {
    const enc = new TextEncoder();
    let out!: ReadableStreamDefaultController<Uint8Array>;
    let exitResolve!: (code: number | null) => void;
    const exited = new Promise<number | null>((r) => (exitResolve = r));
    const received: JsonRpcMessage[] = [];
    let alive = true;
    const write = (m: unknown) => alive && out.enqueue(enc.encode(JSON.stringify(m) + "\n"));
    const exit = () => {
      if (!alive) return;
      alive = false;
      out.close();
      exitResolve(137);
    };
    const stdinParts = new TransformStream<Uint8Array, Uint8Array>();
    void (async () => {
      for await (const line of splitLines(stdinParts.readable)) {
        const m = JSON.parse(line) as JsonRpcMessage & { id?: string | number; method?: string };
        received.push(m);
        if (m.method === "initialize") {
          write({
            jsonrpc: "2.0",
            id: m.id,
            result: { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name: "fake", version: "1" } },
          });
        } else if (m.method === "ping") write({ jsonrpc: "2.0", id: m.id, result: {} });
      }
    })().catch(() => {});
    const child: StdioChild = {
      stdin: stdinParts.writable,
      stdout: new ReadableStream({ start: (c) => void (out = c) }),
      stderr: new ReadableStream({ start: (c) => c.close() }),
      exited,
      kill: () => exit(),
    };
    children.push({ child, received, notify: write, exit });
    return child;
  };
  return { children, spawn };
}

describe("resilientUpstream over stdio", () => {
  test("a child that exits is respawned and re-initialized; the request in flight gets an error, the next one succeeds", async () => {
    const fake = fakeChildren();
    const events: ResilienceEvent[] = [];
    const upstream: Upstream = resilientUpstream(stdioUpstream({ command: "fake", spawn: fake.spawn }), {
      recovery: FAST,
      onEvent: (e) => events.push(e),
    });
    const conn = upstream.connect();
    await handshake(conn);
    const listened = await conn.listen();
    assert.ok(listened instanceof ReadableStream);
    const notifications = listened.getReader();
    const inflight = await conn.send([{ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "hang" } }]);
    fake.children[0]!.exit();
    const failed = await messagesOf(inflight);
    assert.equal((failed[0] as { error: { code: number } }).error.code, -32003);
    const ok = await messagesOf(await conn.send([{ jsonrpc: "2.0", id: 4, method: "ping" }]));
    assert.deepEqual(ok, [{ jsonrpc: "2.0", id: 4, result: {} }]);
    assert.equal(fake.children.length, 2);
    const second = fake.children[1]!.received;
    assert.match(String((second[0] as { id: unknown }).id), /^mcpwire-reinit-/);
    assert.equal((second[1] as { method: string }).method, "notifications/initialized");
    // The standalone stream carries on from the new child.
    fake.children[1]!.notify({ jsonrpc: "2.0", method: "notifications/message", params: { from: "second" } });
    const next = await notifications.read();
    assert.deepEqual((next.value?.message as { params: unknown }).params, { from: "second" });
    assert.ok(events.some((e) => e.type === "reinitialized"));
    await notifications.cancel();
    await conn.close();
  });

  test("a child that dies at every start ends in a clear error, with a bounded number of spawns", async () => {
    const fake = fakeChildren();
    let spawns = 0;
    const upstream = resilientUpstream(
      stdioUpstream({
        command: "fake",
        spawn: () => {
          const child = fake.spawn();
          if (++spawns > 1) setTimeout(() => fake.children.at(-1)!.exit(), 1);
          return child;
        },
      }),
      { recovery: FAST, maxRecoveries: 2 },
    );
    const conn = upstream.connect();
    await handshake(conn);
    fake.children[0]!.exit();
    await conn.ended;
    assert.ok(spawns >= 2 && spawns <= 1 + 2 * FAST.maxAttempts, `${spawns} spawns`);
    await assert.rejects(conn.send([{ jsonrpc: "2.0", id: 4, method: "ping" }]), { name: "UpstreamUnavailableError" });
  });
});

describe("isSessionLost", () => {
  test("404 and SDK-style 400 mean a lost session; 404 -32601, other 400s and 401 do not", async () => {
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
    assert.equal(await isSessionLost(new Response(null, { status: 404 })), true);
    assert.equal(
      await isSessionLost(json(404, { jsonrpc: "2.0", error: { code: -32001, message: "Session not found" } })),
      true,
    );
    assert.equal(
      await isSessionLost(
        json(400, { jsonrpc: "2.0", error: { code: -32000, message: "Bad Request: No valid session ID provided" } }),
      ),
      true,
    );
    assert.equal(
      await isSessionLost(json(404, { jsonrpc: "2.0", id: 1, error: { code: -32601, message: "Method not found" } })),
      false,
    );
    assert.equal(
      await isSessionLost(json(400, { jsonrpc: "2.0", error: { code: -32602, message: "Invalid params" } })),
      false,
    );
    assert.equal(await isSessionLost(new Response("nope", { status: 401 })), false);
    const kept = json(404, { error: { code: -32001, message: "gone" } });
    await isSessionLost(kept);
    assert.match(await kept.text(), /gone/, "the body stays readable");
  });
});
