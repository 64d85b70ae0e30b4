/**
 * A small, fast Streamable HTTP MCP server for the benchmarks (node:http, so it runs on Node, Deno and Bun).
 *
 * Usage: node bench/upstream.mjs   (env PORT, RESPONSE=json|sse, RETRY_MS, ERA=2025|2026-07-28)
 *
 * - POST /mcp: `initialize` (mints a session id), notifications (202), `tools/list`, `tools/call` with the
 *   tools `echo` (JSON or SSE reply, per RESPONSE), `stream` ({count, size, intervalMs}: that many
 *   `notifications/message` events, each stamped with the wall-clock time of the write, then the result)
 *   and `cut` (a priming event with an id and `retry`, then the connection ends before the result; a GET
 *   with that `Last-Event-ID` gets the result: the upstream half of stream resumption, T-RES-02/04).
 * - GET /mcp: the standalone SSE stream of a session (one per session; kept open).
 * - DELETE /mcp: ends a session. Unknown session ids get 404 (so a proxy can re-initialize).
 * - With ERA=2026-07-28, POST /mcp with 2026-07-28 request metadata (`params._meta` with
 *   `io.modelcontextprotocol/protocolVersion`) is answered statelessly, no session: `server/discover`,
 *   `tools/list`, `tools/call` (the same tools; `cut` excepted), notifications (202). Without it such a
 *   request gets the 2025 answer (404, no session), so mcpwire keeps 2025 sessions for 2025 clients
 *   instead of bridging them (its `server/discover` probe decides, T-BC-03).
 * - POST /control/broadcast: writes one stamped notification to every open GET stream → {streams}.
 * - POST /control/cut-gets: ends every open GET stream → {streams}.
 * - GET /control/stats → {sessions, gets}.
 */
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import process from "node:process";

const PORT = Number(process.env.PORT ?? 3101);
const SSE = process.env.RESPONSE === "sse";
const RETRY_MS = Number(process.env.RETRY_MS ?? 100);
const MODERN_TOO = process.env.ERA === "2026-07-28";

/** Wall-clock time in ms with sub-ms precision (comparable across processes on one machine). */
const now = () => performance.timeOrigin + performance.now();

/** @type {Map<string, {gets: Set<import("node:http").ServerResponse>, cuts: Map<string, object>}>} */
const sessions = new Map();
let cutSeq = 0;

const TOOLS = [
  { name: "echo", description: "Echoes its arguments", inputSchema: { type: "object" } },
  { name: "stream", description: "Streams count notifications of size bytes", inputSchema: { type: "object" } },
  { name: "cut", description: "Ends its SSE stream before the result (resumable)", inputSchema: { type: "object" } },
];

function json(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function frame(message, id) {
  return `event: message\n${id ? `id: ${id}\n` : ""}data: ${JSON.stringify(message)}\n\n`;
}

function sseHead(res, sessionId) {
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    ...(sessionId ? { "mcp-session-id": sessionId } : {}),
  });
}

function write(res, text) {
  return res.write(text) ? Promise.resolve() : new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function callTool(res, session, message) {
  const name = message.params?.name;
  const args = message.params?.arguments ?? {};
  if (name === "echo") {
    const reply = { jsonrpc: "2.0", id: message.id, result: { content: [{ type: "text", text: String(args.text ?? "") }] } };
    if (!SSE) return json(res, 200, reply);
    sseHead(res);
    res.end(frame(reply));
    return;
  }
  if (name === "stream") {
    const count = Math.min(Number(args.count ?? 10), 1_000_000);
    const pad = "x".repeat(Math.max(0, Number(args.size ?? 0) - 120));
    const interval = Number(args.intervalMs ?? 0);
    sseHead(res);
    let closed = false;
    res.once("close", () => (closed = true));
    for (let i = 0; i < count && !closed; i++) {
      if (interval > 0) await sleep(interval);
      const note = { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: { i, t: now(), pad } } };
      await write(res, frame(note));
    }
    res.end(frame({ jsonrpc: "2.0", id: message.id, result: { content: [{ type: "text", text: `sent ${count}` }] } }));
    return;
  }
  if (name === "cut") {
    // T-RES-04: priming event (id, empty data, retry), then the connection closes before the result.
    const key = `c${++cutSeq}`;
    session.cuts.set(`${key}-0`, { id: `${key}-1`, message: { jsonrpc: "2.0", id: message.id, result: { content: [{ type: "text", text: "resumed" }] } } });
    sseHead(res);
    res.end(`id: ${key}-0\nretry: ${RETRY_MS}\ndata:\n\n`);
    return;
  }
  json(res, 200, { jsonrpc: "2.0", id: message.id, error: { code: -32602, message: `Unknown tool ${name}` } });
}

const MODERN = "2026-07-28";

/** A self-contained 2026-07-28 request (T-BC-04): answered with no session. */
async function modern(res, message) {
  if (message.id === undefined) {
    res.writeHead(202);
    return res.end();
  }
  if (message.method === "server/discover") {
    const result = { supportedVersions: [MODERN], capabilities: { tools: {} }, serverInfo: { name: "mcpwire-bench-upstream", version: "1" } };
    return json(res, 200, { jsonrpc: "2.0", id: message.id, result });
  }
  if (message.method === "tools/list") return json(res, 200, { jsonrpc: "2.0", id: message.id, result: { tools: TOOLS.filter((t) => t.name !== "cut") } });
  if (message.method === "tools/call" && message.params?.name !== "cut") return await callTool(res, null, message);
  json(res, 404, { jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "Method not found" } });
}

async function post(req, res) {
  let body = "";
  for await (const chunk of req) body += chunk;
  let message;
  try {
    message = JSON.parse(body);
  } catch {
    return json(res, 400, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
  }
  if (Array.isArray(message)) return json(res, 400, { jsonrpc: "2.0", id: null, error: { code: -32600, message: "No batches" } });
  if (MODERN_TOO && message.params?._meta?.["io.modelcontextprotocol/protocolVersion"] !== undefined) return await modern(res, message);
  if (message.method === "initialize") {
    const id = randomBytes(16).toString("hex");
    sessions.set(id, { gets: new Set(), cuts: new Map() });
    const result = {
      protocolVersion: message.params?.protocolVersion ?? "2025-06-18",
      capabilities: { tools: {}, logging: {} },
      serverInfo: { name: "mcpwire-bench-upstream", version: "1" },
    };
    return json(res, 200, { jsonrpc: "2.0", id: message.id, result }, { "mcp-session-id": id });
  }
  const sessionId = req.headers["mcp-session-id"];
  const session = sessions.get(sessionId);
  if (!session) return json(res, 404, { jsonrpc: "2.0", id: null, error: { code: -32001, message: "Session not found" } });
  if (message.id === undefined || message.method === undefined) {
    res.writeHead(202);
    return res.end();
  }
  if (message.method === "tools/list") return json(res, 200, { jsonrpc: "2.0", id: message.id, result: { tools: TOOLS } });
  if (message.method === "ping") return json(res, 200, { jsonrpc: "2.0", id: message.id, result: {} });
  if (message.method === "tools/call") return await callTool(res, session, message);
  return json(res, 200, { jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "Method not found" } });
}

function get(req, res) {
  const session = sessions.get(req.headers["mcp-session-id"]);
  if (!session) return json(res, 404, { jsonrpc: "2.0", id: null, error: { code: -32001, message: "Session not found" } });
  const last = req.headers["last-event-id"];
  if (last !== undefined) {
    const pending = session.cuts.get(last);
    if (!pending) return json(res, 400, { jsonrpc: "2.0", id: null, error: { code: -32600, message: "Unknown Last-Event-ID" } });
    session.cuts.delete(last);
    sseHead(res);
    res.end(frame(pending.message, pending.id));
    return;
  }
  sseHead(res);
  // A comment first: some servers (Bun.serve) send the response head only with the first body bytes.
  res.write(": open\n\n");
  session.gets.add(res);
  res.once("close", () => session.gets.delete(res));
}

function control(res, path) {
  if (path === "/control/stats") {
    let gets = 0;
    for (const s of sessions.values()) gets += s.gets.size;
    return json(res, 200, { sessions: sessions.size, gets });
  }
  let streams = 0;
  for (const s of sessions.values()) {
    for (const g of [...s.gets]) {
      streams++;
      if (path === "/control/cut-gets") g.end();
      else g.write(frame({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: { t: now() } } }));
    }
  }
  json(res, 200, { streams });
}

const server = createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0];
  const fail = (error) => {
    if (!res.headersSent) json(res, 500, { jsonrpc: "2.0", id: null, error: { code: -32603, message: String(error) } });
    else res.destroy();
  };
  try {
    if (path.startsWith("/control/")) return control(res, path);
    if (path !== "/mcp") return json(res, 404, { error: "not found" });
    if (req.method === "POST") return void post(req, res).catch(fail);
    if (req.method === "GET") return get(req, res);
    if (req.method === "DELETE") {
      const session = sessions.get(req.headers["mcp-session-id"]);
      if (session) for (const g of session.gets) g.end();
      sessions.delete(req.headers["mcp-session-id"]);
      res.writeHead(session ? 200 : 404);
      return res.end();
    }
    json(res, 405, { error: "method not allowed" }, { allow: "GET, POST, DELETE" });
  } catch (error) {
    fail(error);
  }
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 0;
server.requestTimeout = 0;
server.maxConnections = 100_000;
server.listen(PORT, "127.0.0.1", () => process.stderr.write(`upstream listening on ${PORT}\n`));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
