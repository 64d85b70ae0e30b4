/**
 * End to end: the official MCP SDK client, through `createReverseProxy`, to the real
 * server-everything, over Streamable HTTP and over stdio.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from "../../testing/deps.ts";
import {
  EVERYTHING,
  firstLogNotification,
  type HttpChild,
  type ServedProxy,
  serveProxy,
  startEverything,
} from "../../testing/e2e.ts";
import { streamableHttpUpstream } from "../upstream/streamable_http.ts";
import { stdioUpstream } from "../upstream/stdio.ts";
import { spawn } from "../runtime/process.ts";
import type { Upstream } from "../upstream/types.ts";
import type { Envelope } from "../protocol/envelope.ts";

async function exerciseSession(endpoint: URL, seen: Envelope[]): Promise<void> {
  const client = new Client({ name: "e2e", version: "1" });
  const transport = new StreamableHTTPClientTransport(endpoint);
  await client.connect(transport);
  try {
    assert.match(String(transport.sessionId), /^[\x21-\x7e]{22,}$/);
    const tools = await client.listTools();
    const names = tools.tools.map((t: { name: string }) => t.name);
    assert.ok(names.includes("echo"), `echo in ${names}`);
    assert.ok(names.includes("trigger-long-running-operation"));

    const text = "héllo wörld ☃ 日本語 🚀";
    const echoed = await client.callTool({ name: "echo", arguments: { message: text } });
    assert.deepEqual(echoed.content, [{ type: "text", text: `Echo: ${text}` }]);

    const progress: { at: number; progress: number }[] = [];
    const started = Date.now();
    const long = await client.callTool(
      { name: "trigger-long-running-operation", arguments: { duration: 1, steps: 4 } },
      undefined,
      { onprogress: (p: { progress: number }) => progress.push({ at: Date.now() - started, progress: p.progress }) },
    );
    const finishedAt = Date.now() - started;
    assert.match(JSON.stringify(long.content), /Long running operation completed/);
    assert.deepEqual(progress.map((p) => p.progress), [1, 2, 3, 4]);
    // Progress arrived before the result and spread over time (not buffered until the end).
    assert.ok(progress[0]!.at < finishedAt - 400, `first progress at ${progress[0]!.at}ms, result at ${finishedAt}ms`);
    assert.ok(progress[3]!.at - progress[0]!.at >= 500, `progress spread ${progress[3]!.at - progress[0]!.at}ms`);

    const resources = await client.listResources();
    const uri = resources.resources[0]!.uri;
    const read = await client.readResource({ uri });
    assert.equal(read.contents[0]!.uri, uri);

    const prompts = await client.listPrompts();
    const simple = prompts.prompts.find((p: { name: string }) => p.name === "simple-prompt") ?? prompts.prompts[0]!;
    const prompt = await client.getPrompt({ name: simple.name, arguments: {} });
    assert.ok(prompt.messages.length > 0);

    assert.deepEqual(await client.ping(), {});

    // Server-initiated messages travel on the proxied GET stream.
    const log = await firstLogNotification(client, 4_000);
    assert.equal(typeof log.level, "string");
    assert.ok(
      seen.some((e) => e.stream === "get" && "method" in e.message && e.message.method === "notifications/message"),
      "the log notification came through the GET stream",
    );
  } finally {
    await transport.terminateSession().catch(() => {});
    await client.close();
  }
}

describe("reverse proxy with server-everything over Streamable HTTP", () => {
  let everything: HttpChild;
  let served: ServedProxy;
  const seen: Envelope[] = [];
  before(async () => {
    everything = await startEverything("streamableHttp");
    served = await serveProxy({
      upstream: streamableHttpUpstream({ url: new URL("/mcp", everything.url) }),
      onMessage: (e) => seen.push(e),
    });
  });
  after(async () => {
    await served?.close();
    await everything?.close();
  });

  test("the SDK client runs a full session through the proxy", { timeout: 30_000 }, async () => {
    await exerciseSession(served.endpoint, seen);
  });

  for (const revision of ["2025-03-26", "2025-06-18", "2025-11-25"]) {
    test(`the SDK client negotiating ${revision} works through the proxy`, { timeout: 30_000 }, async () => {
      const transport = new StreamableHTTPClientTransport(served.endpoint);
      // Ask for an older revision the way an older client would: rewrite the initialize request.
      const send = transport.send.bind(transport);
      transport.send = ((message: { method?: string; params?: { protocolVersion?: string } }, options?: unknown) => {
        if (message.method === "initialize" && message.params) message.params.protocolVersion = revision;
        return send(message as never, options as never);
      }) as typeof transport.send;
      const client = new Client({ name: "e2e", version: "1" });
      await client.connect(transport);
      assert.equal(transport.protocolVersion, revision);
      const echoed = await client.callTool({ name: "echo", arguments: { message: revision } });
      assert.deepEqual(echoed.content, [{ type: "text", text: `Echo: ${revision}` }]);
      await transport.terminateSession();
      await client.close();
    });
  }

  test("the SDK's legacy SSE client works through the proxy's /sse endpoint", { timeout: 30_000 }, async () => {
    const client = new Client({ name: "legacy-e2e", version: "1" });
    await client.connect(new SSEClientTransport(new URL("/sse", served.server.url)));
    const echoed = await client.callTool({ name: "echo", arguments: { message: "legacy ☃" } });
    assert.deepEqual(echoed.content, [{ type: "text", text: "Echo: legacy ☃" }]);
    assert.deepEqual(await client.ping(), {});
    await client.close();
  });

  test("DELETE ends the proxy session: the id then gets 404", { timeout: 30_000 }, async () => {
    const client = new Client({ name: "e2e", version: "1" });
    const transport = new StreamableHTTPClientTransport(served.endpoint);
    await client.connect(transport);
    const sid = transport.sessionId!;
    await transport.terminateSession();
    await client.close();
    const r = await fetch(served.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": sid,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "ping" }),
    });
    assert.equal(r.status, 404);
    assert.equal((await r.json()).error.code, -32001);
  });
});

describe("reverse proxy with server-everything over stdio", () => {
  let served: ServedProxy;
  let upstream: Upstream;
  const seen: Envelope[] = [];
  before(async () => {
    upstream = stdioUpstream({ command: "node", args: [EVERYTHING, "stdio"], spawn });
    served = await serveProxy({ upstream, onMessage: (e) => seen.push(e) });
  });
  after(async () => {
    await served?.close();
  });

  test("the SDK client runs a full session through the proxy", { timeout: 30_000 }, async () => {
    await exerciseSession(served.endpoint, seen);
  });
});
