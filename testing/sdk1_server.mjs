/**
 * A real MCP 2025-era server, the one 1.x SDK upstream of the tests (the era matrix and the era-bridge tests):
 * the 1.x SDK's `McpServer` behind its stateful `StreamableHTTPServerTransport` (one session per
 * `initialize`) on `node:http`, run as its own process as users run servers. Start it with
 * `startSdk1Server()` (`testing/sdk1_server.ts`) or `node testing/sdk1_server.mjs`; it listens on
 * 127.0.0.1:$PORT, endpoint `/mcp`.
 *
 * Tools: `echo` ({ message }), `big` ({ bytes }: a text result of that many characters, for the upstream SSE
 * event limit), `slow` ({ steps, stepMs }: progress per step, then a result; honours
 * cancellation), `add-note` ({ name }: registers the resource `note://<name>`, which sends
 * `notifications/resources/list_changed`), `confirm` ({ target }: asks the client with `elicitation/create` on
 * the call's response stream), `ask-sampling` ({ prompt }: sends `sampling/createMessage` whatever the client
 * declared, and answers with the sampled text or the error). Resource: `fixture://greeting` (text).
 * Test hooks (plain HTTP): `GET /_log` returns `{ cancelled, finished, initialized }` (`slow` calls that saw
 * their cancellation, that ran to their result, and the clientInfo name of each `initialize`);
 * `POST /_forget` closes every session, so the next request naming one gets 404, as after a restart.
 */
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CreateMessageResultSchema, ElicitResultSchema, isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";

let cancelled = 0;
let finished = 0;
/** The clientInfo name of each `initialize` seen. */
const initialized = [];

function build() {
  const server = new McpServer({ name: "mcpwire-sdk1-fixture", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Echoes the message", inputSchema: { message: z.string() } },
    ({ message }) => ({ content: [{ type: "text", text: `Echo: ${message}` }] }),
  );
  server.registerTool(
    "big",
    { description: "Answers with a text of that many characters", inputSchema: { bytes: z.number() } },
    ({ bytes }) => ({ content: [{ type: "text", text: "x".repeat(bytes) }] }),
  );
  server.registerTool(
    "slow",
    { description: "Sends progress per step, then answers", inputSchema: { steps: z.number(), stepMs: z.number() } },
    async ({ steps, stepMs }, extra) => {
      const token = extra._meta?.progressToken;
      for (let i = 1; i <= steps; i++) {
        await new Promise((resolve) => setTimeout(resolve, stepMs));
        if (extra.signal.aborted) {
          cancelled++;
          throw new Error("cancelled");
        }
        if (token !== undefined) {
          await extra.sendNotification({
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
    "add-note",
    { description: "Adds the resource note://<name> (resources/list_changed)", inputSchema: { name: z.string() } },
    ({ name }) => {
      server.registerResource(name, `note://${name}`, { mimeType: "text/plain" }, (uri) => ({
        contents: [{ uri: uri.href, mimeType: "text/plain", text: `note ${name}` }],
      }));
      return { content: [{ type: "text", text: `added note://${name}` }] };
    },
  );
  server.registerTool(
    "confirm",
    { description: "Asks the client to confirm, then answers", inputSchema: { target: z.string() } },
    async ({ target }, extra) => {
      // Sent on the tool call's own response stream (related to the request), as McpServer tools do.
      const answer = await extra.sendRequest({
        method: "elicitation/create",
        params: {
          message: `Deploy to ${target}?`,
          requestedSchema: { type: "object", properties: { confirm: { type: "boolean" } }, required: ["confirm"] },
        },
      }, ElicitResultSchema);
      const yes = answer.action === "accept" && answer.content?.confirm === true;
      return { content: [{ type: "text", text: yes ? `deployed to ${target}` : "not deployed" }] };
    },
  );
  server.registerTool(
    "ask-sampling",
    { description: "Asks the client to sample, whatever it declared", inputSchema: { prompt: z.string() } },
    async ({ prompt }, extra) => {
      try {
        const sampled = await extra.sendRequest({
          method: "sampling/createMessage",
          params: { messages: [{ role: "user", content: { type: "text", text: prompt } }], maxTokens: 10 },
        }, CreateMessageResultSchema);
        return { content: [{ type: "text", text: `sampled: ${sampled.content?.text}` }] };
      } catch (error) {
        return { isError: true, content: [{ type: "text", text: `sampling failed: ${error.message}` }] };
      }
    },
  );
  server.registerResource(
    "greeting",
    "fixture://greeting",
    { mimeType: "text/plain" },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: "text/plain", text: "hello from the 1.x server" }] }),
  );
  return server;
}

/** Live sessions: session id → transport. */
const transports = new Map();

async function handleMcp(req, res, body) {
  const id = req.headers["mcp-session-id"];
  let transport = typeof id === "string" ? transports.get(id) : undefined;
  if (!transport && req.method === "POST" && isInitializeRequest(body)) {
    initialized.push(String(body.params?.clientInfo?.name));
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => transports.set(sid, transport),
    });
    transport.onclose = () => transport.sessionId && transports.delete(transport.sessionId);
    await build().connect(transport);
  }
  if (!transport) {
    res.writeHead(id ? 404 : 400, { "content-type": "application/json" });
    res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message: "No valid session" } }));
    return;
  }
  await transport.handleRequest(req, res, body);
}

const http = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/_log") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ cancelled, finished, initialized }));
    return;
  }
  if (req.method === "POST" && req.url === "/_forget") {
    const all = [...transports.values()];
    transports.clear();
    Promise.all(all.map((t) => t.close().catch(() => {}))).then(() => res.writeHead(204).end());
    return;
  }
  if (!req.url?.startsWith("/mcp")) {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const text = Buffer.concat(chunks).toString("utf8");
    let body;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    handleMcp(req, res, body).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
});

http.listen(Number(process.env.PORT ?? 3003), "127.0.0.1");
