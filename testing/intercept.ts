/**
 * Test helpers of the interceptor tests: the rules file they run with, a JSON-response MCP server (the
 * official SDK's low-level `Server` over its Web-standard Streamable HTTP transport with
 * `enableJsonResponse`), raw-fetch sessions (any protocol revision, so 2025-03-26 batches can be sent)
 * and the batch test shared by the HTTP and stdio suites.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { postHeaders } from "./e2e.ts";
import { initRequest } from "./messages.ts";
import { decodeSse } from "../lib/sse/decode.ts";
import type { JsonRpcMessage } from "../lib/jsonrpc/types.ts";
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  McpLowLevelServer,
  WebStandardStreamableHTTPServerTransport,
} from "./deps.ts";
import { serve, type Server } from "../lib/runtime/serve.ts";

/** A session opened with raw fetch. */
export interface RawSession {
  sessionId: string;
  post(body: unknown): Promise<Response>;
  close(): Promise<void>;
}

/** Initializes a session at `revision` and sends `notifications/initialized`. */
export async function rawSession(endpoint: URL, revision: string): Promise<RawSession> {
  const init = await fetch(endpoint, {
    method: "POST",
    headers: postHeaders(),
    body: JSON.stringify(initRequest(revision)),
  });
  assert.equal(init.status, 200);
  await init.body?.cancel();
  const sessionId = init.headers.get("mcp-session-id")!;
  const headers = postHeaders({ "mcp-session-id": sessionId, "mcp-protocol-version": revision });
  const post = (body: unknown) => fetch(endpoint, { method: "POST", headers, body: JSON.stringify(body) });
  const ack = await post({ jsonrpc: "2.0", method: "notifications/initialized" });
  assert.equal(ack.status, 202);
  return {
    sessionId,
    post,
    async close() {
      const r = await fetch(endpoint, { method: "DELETE", headers: { "mcp-session-id": sessionId } });
      await r.body?.cancel();
    },
  };
}

/** Every JSON-RPC message of an SSE response body, in order (bounded by the test's timeout). */
export async function sseMessages(response: Response): Promise<JsonRpcMessage[]> {
  const out: JsonRpcMessage[] = [];
  for await (const item of decodeSse(response.body!)) {
    if (item.type === "event" && item.data !== "") out.push(JSON.parse(item.data));
  }
  return out;
}

/** T-BATCH-01: a 2025-03-26 batch whose members meet different rules, each intercepted on its own. */
export function batchTest(endpoint: () => URL): void {
  test(
    "batch (2025-03-26): each member meets its own rule (block, respond, set, inject, drop, delay, rate limit); local and upstream answers share one SSE reply",
    { timeout: 20_000 },
    async () => {
      const s = await rawSession(endpoint(), "2025-03-26");
      try {
        const started = Date.now();
        const r = await s.post([
          { jsonrpc: "2.0", id: "env", method: "tools/call", params: { name: "get-env", arguments: {} } },
          { jsonrpc: "2.0", id: "list", method: "tools/list" },
          { jsonrpc: "2.0", id: "ping1", method: "ping" },
          { jsonrpc: "2.0", id: "ping2", method: "ping" },
          { jsonrpc: "2.0", id: "ping3", method: "ping" },
          {
            jsonrpc: "2.0",
            id: "echo",
            method: "tools/call",
            params: { name: "echo", arguments: { message: "rewrite it" } },
          },
          { jsonrpc: "2.0", id: "sum", method: "tools/call", params: { name: "get-sum", arguments: { a: 2, b: 2 } } },
          {
            jsonrpc: "2.0",
            id: "long",
            method: "tools/call",
            params: {
              name: "trigger-long-running-operation",
              arguments: { duration: 0.3, steps: 3 },
              _meta: { progressToken: "p1" },
            },
          },
        ]);
        assert.equal(r.status, 200);
        assert.match(r.headers.get("content-type") ?? "", /^text\/event-stream/);
        const messages = await sseMessages(r);
        const byId = new Map(
          messages.filter((m) => "id" in m && !("method" in m)).map((m) => [(m as { id: string }).id, m]),
        );
        assert.deepEqual((byId.get("env") as { error: unknown }).error, {
          code: -32050,
          message: "get-env is disabled by policy",
        });
        assert.deepEqual((byId.get("echo") as { result: unknown }).result, {
          content: [{ type: "text", text: "rewritten by rules" }],
        });
        assert.deepEqual((byId.get("sum") as { result: unknown }).result, {
          content: [{ type: "text", text: "42, from the rules" }],
        });
        assert.match(JSON.stringify(byId.get("long")), /Long running operation completed/);
        // delay: tools/list came back at least 600 ms after the batch was sent.
        assert.ok(((byId.get("list") as { result: { tools: unknown[] } }).result.tools.length) > 3);
        assert.ok(Date.now() - started >= 580, `the batch answered in ${Date.now() - started} ms`);
        // rateLimit: two pings per session pass, the third is refused.
        assert.deepEqual([byId.get("ping1"), byId.get("ping2")].map((m) => (m as { result: unknown }).result), [
          {},
          {},
        ]);
        assert.deepEqual((byId.get("ping3") as { error: unknown }).error, {
          code: -32000,
          message: "Rate limit exceeded: at most 2 per 1m",
        });
        const methods = messages.filter((m) => "method" in m).map((m) => (m as { method: string }).method);
        assert.deepEqual(methods, ["notifications/message"], "progress dropped, the injected log kept");
        const logAt = messages.findIndex((m) => "method" in m);
        const echoAt = messages.indexOf(byId.get("echo")!);
        assert.ok(logAt < echoAt, "the injected notification comes before the result it announces");
      } finally {
        await s.close();
      }
    },
  );
}

const TOOLS = ["echo", "get-sum", "get-env", "get-tiny-image", "noisy"].map((name) => ({
  name,
  inputSchema: { type: "object" },
}));

/** Starts the server; `url` is its `/mcp` endpoint. */
/**
 * The Bun server adapter sends the head of a streaming response only with its first chunk, and the SDK's GET stream
 * writes nothing until the server has something to say: the client would wait for the head. An SSE
 * comment first (ignored by every SSE parser) gets the head out.
 */
function _flushHeaders(response: Response): Response {
  if (!response.body || !(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) return response;
  const opening = new TextEncoder().encode(": open\n\n");
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>({
    start: (controller) => controller.enqueue(opening),
  });
  void response.body.pipeTo(writable).catch(() => {});
  return new Response(readable, { status: response.status, headers: response.headers });
}

/** An SDK (1.x) server on loopback that answers with JSON bodies (no SSE), one transport per session. */
export async function startJsonServer(): Promise<{ url: URL; close(): Promise<void> }> {
  const transports = new Map<string, { handleRequest(r: Request): Promise<Response>; close(): Promise<void> }>();
  const server: Server = await serve(async (request) => {
    const sid = request.headers.get("mcp-session-id");
    const known = sid === null ? undefined : transports.get(sid);
    if (known) return _flushHeaders(await known.handleRequest(request));
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (id: string) => void transports.set(id, transport),
    });
    const mcp = new McpLowLevelServer({ name: "json-fixture", version: "1" }, {
      capabilities: { tools: {}, logging: {} },
    });
    mcp.setRequestHandler(ListToolsRequestSchema, () => Promise.resolve({ tools: TOOLS }));
    mcp.setRequestHandler(
      CallToolRequestSchema,
      async (r: { params: { name: string; arguments?: Record<string, unknown> } }) => {
        const args = r.params.arguments ?? {};
        if (r.params.name === "noisy") {
          // Unrelated to the request, so they go on the standalone GET stream (a JSON reply has no room).
          await mcp.notification({
            method: "notifications/message",
            params: { level: "info", logger: "noisy", data: "dropped" },
          });
          await mcp.notification({
            method: "notifications/message",
            params: { level: "info", logger: "keep", data: "kept" },
          });
        }
        const text = r.params.name === "echo"
          ? `Echo: ${args.message}`
          : r.params.name === "get-sum"
          ? String(Number(args.a) + Number(args.b))
          : `ran ${r.params.name}`;
        return { content: [{ type: "text", text }] };
      },
    );
    await mcp.connect(transport);
    return await transport.handleRequest(request);
  }, { hostname: "127.0.0.1", port: 0 });
  return {
    url: new URL("/mcp", server.url),
    async close() {
      for (const t of transports.values()) await t.close().catch(() => {});
      await server.close();
    },
  };
}

/** The rules file the end-to-end rules tests load (every action once). */
export const TEST_RULES_YAML = `
version: 1
description: end-to-end test rules
rules:
  - name: block get-env
    match: { direction: client-to-server, method: tools/call, tool: get-env }
    action: block
    error: { code: -32050, message: get-env is disabled by policy }

  - name: answer get-sum locally
    match: { direction: client-to-server, tool: get-sum }
    action: respond
    result: { content: [{ type: text, text: "42, from the rules" }] }

  - name: rewrite the echo result and announce it
    match: { direction: server-to-client, kind: result, tool: echo, params: { "arguments.message": { regex: "^rewrite" } } }
    set: { "result.content[0].text": "rewritten by rules" }
    inject:
      - direction: server-to-client
        message: { jsonrpc: "2.0", method: notifications/message, params: { level: info, logger: mcpwire, data: "echo rewritten" } }

  - name: drop progress of 3-step operations
    match: { direction: server-to-client, method: notifications/progress, params: { total: 3 } }
    action: drop

  - name: annotate every other progress notification
    match: { direction: server-to-client, method: notifications/progress }
    set: { "params.message": "seen by mcpwire" }

  - name: drop noisy logs
    match: { direction: server-to-client, method: notifications/message, params: { logger: noisy } }
    action: drop

  - name: greet on the standalone stream
    match: { direction: client-to-server, method: notifications/initialized }
    inject:
      - direction: server-to-client
        message: { jsonrpc: "2.0", method: notifications/resources/list_changed }

  - name: slow tools/list
    match: { direction: server-to-client, kind: response, method: tools/list }
    delay: 600ms

  - name: at most 2 pings per session
    match: { direction: client-to-server, method: ping }
    rateLimit: { max: 2, per: 1m }
`;
