/**
 * A real MCP 2026-07-28 server for end-to-end tests: the 2.x SDK's `createMcpHandler` (2026-07-28
 * statelessly, plus its stateless 2025 fallback) mounted on `node:http` with `toNodeHandler`. Run it with
 * `node testing/modern_server.mjs`; it listens on 127.0.0.1:$PORT.
 *
 * Tools: `echo` ({ message }), `slow` ({ steps, stepMs }: progress per step, then a result; honours
 * cancellation), `region` ({ region } mirrored by `x-mcp-header: Region`).
 * Test hooks (plain HTTP, not MCP): `GET /_log` returns every `/mcp` request seen, oldest first, as
 * `{ method, headers, body }`, plus `closedEarly` (responses whose connection closed before they finished)
 * and `finished` (`slow` calls that ran to their result); `POST /_tools-changed` publishes
 * `notifications/tools/list_changed` to open `subscriptions/listen` streams.
 * Resource: `mcpwire://greeting` (text), subscribable; `POST /_resource-updated` publishes
 * `notifications/resources/updated` for it to listen streams subscribed to it.
 */
import { createServer } from "node:http";
import { acceptedContent, createMcpHandler, inputRequired, McpServer } from "@modelcontextprotocol/server";
import { toNodeHandler } from "@modelcontextprotocol/node";
import * as z from "zod";

const log = [];
let closedEarly = 0;
let finished = 0;

function build() {
  const server = new McpServer({ name: "mcpwire-modern-fixture", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Echoes the message", inputSchema: z.object({ message: z.string() }) },
    ({ message }) => ({ content: [{ type: "text", text: `Echo: ${message}` }] }),
  );
  server.registerTool(
    "slow",
    {
      description: "Sends progress per step, then answers",
      inputSchema: z.object({ steps: z.number().int(), stepMs: z.number().int() }),
    },
    async ({ steps, stepMs }, ctx) => {
      const signal = ctx.mcpReq.signal;
      const token = ctx.mcpReq._meta?.progressToken;
      for (let i = 1; i <= steps; i++) {
        await new Promise((resolve) => setTimeout(resolve, stepMs));
        if (signal.aborted) throw new Error("cancelled");
        if (token !== undefined) {
          await ctx.mcpReq.notify({
            method: "notifications/progress",
            params: { progressToken: token, progress: i, total: steps },
          });
        }
      }
      finished++;
      return { content: [{ type: "text", text: `done after ${steps} steps` }] };
    },
  );
  server.registerTool(
    "region",
    {
      description: "Names the region (mirrored into Mcp-Param-Region)",
      inputSchema: z.object({ region: z.string().meta({ "x-mcp-header": "Region" }) }),
    },
    ({ region }) => ({ content: [{ type: "text", text: `region ${region}` }] }),
  );
  // A multi-round-trip tool (2026-07-28 InputRequiredResult): the first call asks the client to confirm; the
  // retried call carries the answer in inputResponses.
  const confirmation = z.object({ confirm: z.boolean() });
  server.registerTool(
    "confirm",
    { description: "Asks the client to confirm, then answers", inputSchema: z.object({ target: z.string() }) },
    ({ target }, ctx) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, "confirm", confirmation);
      if (answer?.confirm !== true) {
        return inputRequired({
          inputRequests: {
            confirm: inputRequired.elicit({ message: `Deploy to ${target}?`, requestedSchema: confirmation }),
          },
        });
      }
      return { content: [{ type: "text", text: `deployed to ${target}` }] };
    },
  );
  // A readable resource whose updates `POST /_resource-updated` publishes to listen streams subscribed to it.
  server.registerResource(
    "greeting",
    "mcpwire://greeting",
    { description: "A greeting", mimeType: "text/plain" },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: "text/plain", text: "hello from the modern server" }] }),
  );
  server.server.registerCapabilities({ resources: { subscribe: true } });
  return server;
}

const handler = createMcpHandler(build);
const mcp = toNodeHandler(handler);

const http = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/_log") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ requests: log, closedEarly, finished }));
    return;
  }
  if (req.method === "POST" && req.url === "/_tools-changed") {
    handler.notify.toolsChanged();
    res.writeHead(204).end();
    return;
  }
  if (req.method === "POST" && req.url === "/_resource-updated") {
    handler.notify.resourceUpdated("mcpwire://greeting");
    res.writeHead(204).end();
    return;
  }
  if (!req.url?.startsWith("/mcp")) {
    res.writeHead(404).end();
    return;
  }
  res.on("close", () => {
    if (!res.writableFinished) closedEarly++;
  });
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const text = Buffer.concat(chunks).toString("utf8");
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    log.push({ method: req.method, headers: req.headers, body });
    // The body is read here (for the log), so it is handed over parsed; GET and DELETE have none.
    void mcp(req, res, body ?? undefined);
  });
});

http.listen(Number(process.env.PORT ?? 3002), "127.0.0.1");
