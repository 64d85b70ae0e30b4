// A Streamable HTTP MCP server built with the official SDK (@modelcontextprotocol/sdk), for end-to-end fault
// tests: it keeps an event store (so streams can be resumed with Last-Event-ID), sends `retry` with priming
// events when RETRY_MS is set, answers unknown sessions with 404, and has a `slow` tool that streams progress
// and, with `poll: true`, closes its SSE stream after the first step (2025-11-25 polling, SEP-1699).
// Run: PORT=3000 RETRY_MS=400 node _sdk_server_fixture.mjs
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { InMemoryEventStore } from "@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js";
import { z } from "zod";

const retryInterval = process.env.RETRY_MS ? Number(process.env.RETRY_MS) : undefined;
const transports = new Map();

function newServer() {
  const server = new McpServer({ name: "sdk-fixture", version: "1.0.0" });
  server.registerTool("slow", {
    description: "Streams progress, then answers",
    inputSchema: { steps: z.number(), stepMs: z.number(), poll: z.boolean().optional() },
  }, async ({ steps, stepMs, poll }, extra) => {
    const token = extra._meta?.progressToken;
    for (let i = 1; i <= steps; i++) {
      await new Promise((r) => setTimeout(r, stepMs));
      if (token !== undefined) {
        await extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress: i, total: steps } });
      }
      if (poll && i === 1) extra.closeSSEStream?.();
    }
    return { content: [{ type: "text", text: `slow done after ${steps} steps` }] };
  });
  server.registerTool("echo", { inputSchema: { message: z.string() } }, ({ message }) => ({
    content: [{ type: "text", text: `Echo: ${message}` }],
  }));
  return server;
}

createServer(async (req, res) => {
  if (!req.url?.startsWith("/mcp")) {
    res.writeHead(404).end();
    return;
  }
  let body;
  if (req.method === "POST") {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  }
  const sid = req.headers["mcp-session-id"];
  let transport = sid ? transports.get(sid) : undefined;
  if (!transport) {
    if (sid || req.method !== "POST" || body?.method !== "initialize") {
      res.writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message: "Session not found" } }));
      return;
    }
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new InMemoryEventStore(),
      ...(retryInterval !== undefined ? { retryInterval } : {}),
      onsessioninitialized: (id) => transports.set(id, transport),
    });
    await newServer().connect(transport);
  }
  await transport.handleRequest(req, res, body);
}).listen(Number(process.env.PORT ?? 3000), "127.0.0.1");
