/**
 * Fault tests of upstream resilience through the reverse proxy, with real upstreams (server-everything, and
 * a server built with the official SDK) and MSW fixtures: restart mid-session, SSE cut mid tool call, 404 for
 * the session, legacy-only upstream, `retry` timing, auth challenges.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client, http, HttpResponse, setupServer, StreamableHTTPClientTransport } from "../../testing/deps.ts";
import {
  EVERYTHING,
  firstLogNotification,
  freePort,
  type HttpChild,
  longRunningCall,
  postHeaders,
  serveProxy,
  startEverything,
  startHttpChild,
} from "../../testing/e2e.ts";
import { httpUpstream, type HttpUpstreamOptions } from "../upstream/http.ts";
import { resilientUpstream } from "../upstream/resilient.ts";
import { streamableHttpUpstream } from "../upstream/streamable_http.ts";
import { createFixture } from "../../testing/upstream_fixture.ts";
import { initRequest } from "../../testing/messages.ts";
import { type StdioChild, stdioUpstream } from "../upstream/stdio.ts";
import { spawn } from "../runtime/process.ts";

const SDK_FIXTURE = new URL("../../fixtures/real/sdk_event_store_server.mjs", import.meta.url).pathname;
const FAST = { initialDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 12 };

function resilient(options: HttpUpstreamOptions) {
  return resilientUpstream(httpUpstream({ reconnect: FAST, ...options }), { recovery: FAST });
}

async function connectClient(endpoint: URL) {
  const client = new Client({ name: "resilience-e2e", version: "1" });
  const transport = new StreamableHTTPClientTransport(endpoint);
  await client.connect(transport);
  return { client, transport };
}

async function echo(client: InstanceType<typeof Client>, message: string): Promise<unknown> {
  const result = await client.callTool({ name: "echo", arguments: { message } });
  return result.content;
}

/** A fetch that cuts the first SSE reply of a `slow` tool call after `events` events (a network break). */
function cuttingFetch(events: number) {
  let cut = false;
  const cutter: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const body = request.method === "POST" ? await request.clone().text() : "";
    const response = await fetch(request);
    if (cut || !body.includes('"slow"') || !response.body) return response;
    cut = true;
    let seen = 0;
    const reader = response.body.getReader();
    const dec = new TextDecoder();
    const cutBody = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        controller.enqueue(value);
        seen += (dec.decode(value).match(/\n\n/g) ?? []).length;
        if (seen >= events) {
          await reader.cancel();
          controller.error(new TypeError("connection reset by fault injection"));
        }
      },
    });
    return new Response(cutBody, { status: response.status, headers: response.headers });
  };
  return { fetch: cutter, wasCut: () => cut };
}

describe("resilience with server-everything (Streamable HTTP)", () => {
  test("the upstream killed and restarted mid-session: the next call succeeds in the same client session", {
    timeout: 45_000,
  }, async () => {
    const port = await freePort();
    let everything: HttpChild = await startEverything("streamableHttp", port);
    const getStream: string[] = [];
    const served = await serveProxy({
      upstream: resilient({ url: `http://127.0.0.1:${port}/mcp` }),
      onMessage: (e) => {
        if (e.stream === "get" && "method" in e.message) getStream.push(e.message.method);
      },
    });
    const { client, transport } = await connectClient(served.endpoint);
    try {
      const sessionId = transport.sessionId;
      assert.deepEqual(await echo(client, "before"), [{ type: "text", text: "Echo: before" }]);
      await everything.close();
      everything = await startEverything("streamableHttp", port);
      getStream.length = 0;
      assert.deepEqual(await echo(client, "after"), [{ type: "text", text: "Echo: after" }]);
      assert.equal(transport.sessionId, sessionId);
      assert.ok((await client.listTools()).tools.length > 0);
      // The client's GET stream survived too: server-initiated messages of the new upstream session reach it.
      assert.equal(typeof (await firstLogNotification(client)).level, "string");
      assert.ok(getStream.includes("notifications/message"), `GET stream after the restart: ${getStream}`);
    } finally {
      await client.close();
      await served.close();
      await everything.close();
    }
  });
});

describe("resilience with server-everything over stdio", () => {
  test("the child killed mid-session is respawned: the call in flight gets an error, the next call succeeds", {
    timeout: 30_000,
  }, async () => {
    const children: StdioChild[] = [];
    const upstream = resilientUpstream(
      stdioUpstream({ command: "node", args: [EVERYTHING, "stdio"], spawn, onSpawn: (c) => void children.push(c) }),
      { recovery: FAST },
    );
    const served = await serveProxy({ upstream });
    const { client, transport } = await connectClient(served.endpoint);
    try {
      const sessionId = transport.sessionId;
      assert.deepEqual(await echo(client, "first child"), [{ type: "text", text: "Echo: first child" }]);
      const inFlight = client.callTool({
        name: "trigger-long-running-operation",
        arguments: { duration: 5, steps: 5 },
      });
      await new Promise((r) => setTimeout(r, 200));
      children[0]!.kill("SIGKILL");
      await assert.rejects(inFlight, /exited/);
      assert.deepEqual(await echo(client, "second child"), [{ type: "text", text: "Echo: second child" }]);
      assert.equal(children.length, 2);
      assert.equal(transport.sessionId, sessionId);
    } finally {
      await client.close();
      await served.close();
    }
  });
});

describe("resilience with an SDK server that keeps an event store", () => {
  let server: HttpChild;
  before(async () => {
    server = await startHttpChild([SDK_FIXTURE], { env: { RETRY_MS: "400" } });
  });
  after(async () => {
    await server?.close();
  });

  test(
    "an upstream SSE stream cut in the middle of a tool call: the result still arrives, no event duplicated (T-RES-02)",
    { timeout: 30_000 },
    async () => {
      const cutter = cuttingFetch(3);
      const served = await serveProxy({
        upstream: resilient({ url: new URL("/mcp", server.url), fetch: cutter.fetch }),
      });
      const { client } = await connectClient(served.endpoint);
      try {
        const progress: number[] = [];
        const result = await client.callTool(
          { name: "slow", arguments: { steps: 6, stepMs: 100 } },
          undefined,
          { onprogress: (p: { progress: number }) => progress.push(p.progress) },
        );
        assert.ok(cutter.wasCut(), "the fault was injected");
        assert.deepEqual(result.content, [{ type: "text", text: "slow done after 6 steps" }]);
        assert.deepEqual(progress, [1, 2, 3, 4, 5, 6]);
      } finally {
        await client.close();
        await served.close();
      }
    },
  );

  test("the SDK server restarted mid-session answers 404: the SDK client never sees it (T-SESS-07)", {
    timeout: 30_000,
  }, async () => {
    const port = await freePort();
    let own = await startHttpChild([SDK_FIXTURE], { port });
    const served = await serveProxy({ upstream: resilient({ url: `http://127.0.0.1:${port}/mcp` }) });
    const { client, transport } = await connectClient(served.endpoint);
    try {
      const sessionId = transport.sessionId;
      assert.deepEqual(await echo(client, "one"), [{ type: "text", text: "Echo: one" }]);
      await own.close();
      own = await startHttpChild([SDK_FIXTURE], { port });
      assert.deepEqual(await echo(client, "two"), [{ type: "text", text: "Echo: two" }]);
      assert.equal(transport.sessionId, sessionId);
    } finally {
      await client.close();
      await served.close();
      await own.close();
    }
  });

  test("the server's `retry` is honoured before polling a closed stream (T-RES-04, timing within tolerance)", {
    timeout: 30_000,
  }, async () => {
    const times: { method: string; lastEventId: string | null; at: number }[] = [];
    const timing: typeof fetch = (input, init) => {
      const request = new Request(input, init);
      times.push({ method: request.method, lastEventId: request.headers.get("last-event-id"), at: Date.now() });
      return fetch(request);
    };
    const delays: number[] = [];
    const conn = streamableHttpUpstream({
      url: new URL("/mcp", server.url),
      fetch: timing,
      onReconnect: (i) => delays.push(i.delayMs),
    }).connect();
    const initReply = await conn.send([initRequest("2025-11-25")]);
    if (initReply.type === "messages") { for await (const _ of initReply.messages) { /* drain */ } }
    await conn.send([{ jsonrpc: "2.0", method: "notifications/initialized" }]);
    const reply = await conn.send([{
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "slow", arguments: { steps: 3, stepMs: 50, poll: true }, _meta: { progressToken: 1 } },
    }]);
    assert.equal(reply.type, "messages");
    const got: unknown[] = [];
    let closedAt = 0;
    if (reply.type === "messages") {
      for await (const { message } of reply.messages) {
        got.push(message);
        if (got.length === 1) closedAt = Date.now(); // progress 1 came just before the server closed
      }
    }
    const resume = times.find((t) => t.method === "GET" && t.lastEventId !== null);
    assert.ok(resume, "polled with GET + Last-Event-ID");
    const waited = resume.at - closedAt;
    assert.deepEqual(delays, [400]);
    assert.ok(waited >= 350 && waited < 1_400, `waited ${waited} ms for retry 400 ms`);
    assert.ok("result" in (got.at(-1) as object), JSON.stringify(got.at(-1)));
    await conn.close();
  });
});

describe("resilience with MSW fixtures", () => {
  const fixture = createFixture({ unknownSessionStatus: 404 });
  const msw = setupServer(
    http.all("http://mcp.test/mcp", ({ request }) => fixture.handler(request)),
    http.post(
      "http://auth.test/mcp",
      ({ request }) =>
        request.headers.get("authorization") === "Bearer good"
          ? HttpResponse.json(
            {
              jsonrpc: "2.0",
              id: 1,
              result: { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name: "a", version: "1" } },
            },
            { headers: { "mcp-session-id": "auth-session" } },
          )
          : new HttpResponse(null, {
            status: 401,
            headers: {
              "www-authenticate": 'Bearer resource_metadata="http://auth.test/.well-known/oauth-protected-resource"',
            },
          }),
    ),
  );
  before(() => msw.listen({ onUnhandledRequest: "bypass" }));
  after(() => msw.close());

  // Plain fetch here: under MSW on Deno, cancelling a bypassed loopback response body hangs, and the SDK
  // client cancels bodies. The SDK client meets a real 404 in the restart test of the SDK server above.
  test(
    "the upstream answers 404 for the session: the client never sees it (T-SESS-07)",
    { timeout: 20_000 },
    async () => {
      const served = await serveProxy({ upstream: resilient({ url: "http://mcp.test/mcp" }) });
      try {
        const post = async (body: unknown, sid?: string) => {
          const r = await fetch(served.endpoint, {
            method: "POST",
            headers: postHeaders(sid ? { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" } : {}),
            body: JSON.stringify(body),
          });
          return { status: r.status, sid: r.headers.get("mcp-session-id"), text: await r.text() };
        };
        const started = await post(initRequest("2025-06-18"));
        assert.equal(started.status, 200);
        const sid = started.sid!;
        assert.equal((await post({ jsonrpc: "2.0", method: "notifications/initialized" }, sid)).status, 202);
        const call = (id: number, name: string) =>
          post({ jsonrpc: "2.0", id, method: "tools/call", params: { name } }, sid);
        assert.match((await call(2, "a")).text, /called a/);
        fixture.forgetAll();
        const after = await call(3, "b");
        assert.equal(after.status, 200);
        assert.match(after.text, /"id":3,"result":\{"content":\[\{"type":"text","text":"called b"/);
        assert.doesNotMatch(
          after.text,
          /mcpwire-reinit|serverInfo/,
          "the replayed InitializeResult stays in the proxy",
        );
        const inits = fixture.seen.filter((s) => s.body && "method" in s.body && s.body.method === "initialize");
        assert.equal(inits.length, 2);
        assert.match(String((inits[1]!.body as { id: unknown }).id), /^mcpwire-reinit-/);
      } finally {
        await served.close();
      }
    },
  );

  test("an upstream 401 with WWW-Authenticate reaches the client unchanged; Authorization goes upstream", {
    timeout: 20_000,
  }, async () => {
    const served = await serveProxy({ upstream: resilient({ url: "http://auth.test/mcp" }) });
    try {
      const refused = await fetch(served.endpoint, {
        method: "POST",
        headers: postHeaders(),
        body: JSON.stringify(initRequest()),
      });
      assert.equal(refused.status, 401);
      assert.equal(
        refused.headers.get("www-authenticate"),
        'Bearer resource_metadata="http://auth.test/.well-known/oauth-protected-resource"',
      );
      await refused.arrayBuffer();
      const allowed = await fetch(served.endpoint, {
        method: "POST",
        headers: postHeaders({ authorization: "Bearer good" }),
        body: JSON.stringify(initRequest("2025-06-18")),
      });
      assert.equal(allowed.status, 200);
      assert.ok(allowed.headers.get("mcp-session-id"));
      await allowed.arrayBuffer();
    } finally {
      await served.close();
    }
  });
});

describe("a legacy-only upstream (server-everything in sse mode) through the reverse proxy", () => {
  let everything: HttpChild;
  before(async () => {
    everything = await startEverything("sse");
  });
  after(async () => {
    await everything?.close();
  });

  test(
    "the SDK Streamable HTTP client works against the HTTP+SSE upstream (T-BC-01)",
    { timeout: 30_000 },
    async () => {
      const served = await serveProxy({ upstream: resilient({ url: new URL("/sse", everything.url) }) });
      const { client } = await connectClient(served.endpoint);
      try {
        assert.deepEqual(await echo(client, "legacy ☃"), [{ type: "text", text: "Echo: legacy ☃" }]);
        const { content, progress } = await longRunningCall(client);
        assert.match(JSON.stringify(content), /Long running operation completed/);
        assert.deepEqual(progress, [1, 2, 3]);
      } finally {
        await client.close();
        await served.close();
      }
    },
  );

  test(
    "the legacy upstream killed and restarted: a new event stream is opened and re-initialized",
    { timeout: 30_000 },
    async () => {
      const port = await freePort();
      let own = await startEverything("sse", port);
      const served = await serveProxy({ upstream: resilient({ url: `http://127.0.0.1:${port}/sse` }) });
      const { client, transport } = await connectClient(served.endpoint);
      try {
        const sessionId = transport.sessionId;
        assert.deepEqual(await echo(client, "before"), [{ type: "text", text: "Echo: before" }]);
        await own.close();
        own = await startEverything("sse", port);
        assert.deepEqual(await echo(client, "after"), [{ type: "text", text: "Echo: after" }]);
        assert.equal(transport.sessionId, sessionId);
      } finally {
        await client.close();
        await served.close();
        await own.close();
      }
    },
  );
});
