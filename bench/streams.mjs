/**
 * The scale client: opens N sessions, each with its standalone GET stream held open (node:http, keep-alive
 * agent, bounded concurrency while opening). Prints `{"phase":"open",…}` once all are open; then, after a
 * line `count` on stdin, waits (bounded) until every stream has delivered one server notification and
 * prints `{"phase":"delivered",…}`, and exits.
 *
 * Usage: node bench/streams.mjs '{"url":"http://127.0.0.1:8080/mcp","streams":1000,"concurrency":64}'
 */
import http from "node:http";
import process from "node:process";
import { createInterface } from "node:readline";
import { summarize } from "./stats.mjs";

const config = JSON.parse(process.argv[2] ?? "{}");
const N = config.streams ?? 1000;
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const VERSION = "2025-06-18";
const now = () => performance.timeOrigin + performance.now();
const print = (o) => process.stdout.write(JSON.stringify(o) + "\n");

function post(headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(config.url, { method: "POST", agent, headers }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

const streams = [];
let delivered = 0;
const latencies = [];
let onDelivered = () => {};
let firstError;

/** Initialize, waiting out 429s as a client should (`Retry-After`, bounded): mcpwire paces `initialize` per caller. */
async function initialize(base) {
  const body = {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: "mcpwire-bench", version: "1" } },
  };
  for (let attempt = 0; ; attempt++) {
    const init = await post(base, body);
    if (init.status !== 429 || attempt >= 300) return init;
    retried++;
    await new Promise((r) => setTimeout(r, Math.min(5, Number(init.headers["retry-after"]) || 1) * 1000 * (0.5 + Math.random() / 2)));
  }
}

async function open() {
  const base = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  const init = await initialize(base);
  if (init.status !== 200) throw new Error(`initialize answered ${init.status}: ${init.text.slice(0, 200)}`);
  const headers = { ...base, "mcp-protocol-version": VERSION, "mcp-session-id": init.headers["mcp-session-id"] };
  await post(headers, { jsonrpc: "2.0", method: "notifications/initialized" });
  await new Promise((resolve, reject) => {
    // A dedicated socket per stream (it stays busy), so the agent's keep-alive pool is left for POSTs.
    const req = http.request(config.url, {
      method: "GET",
      agent: false,
      headers: { accept: "text/event-stream", "mcp-protocol-version": VERSION, "mcp-session-id": headers["mcp-session-id"] },
    }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`GET answered ${res.statusCode}`));
      const stream = { req, got: false, buffer: "" };
      streams.push(stream);
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        if (stream.got) return;
        stream.buffer += chunk;
        const at = stream.buffer.indexOf("notifications/message");
        if (at < 0) return;
        const line = stream.buffer.slice(stream.buffer.lastIndexOf("\n", at) + 1).split("\n")[0];
        stream.got = true;
        stream.buffer = "";
        delivered++;
        try {
          latencies.push(now() - JSON.parse(line.slice(line.indexOf("{"))).params.data.t);
        } catch {
          // stamp unreadable: still delivered
        }
        if (delivered === streams.length) onDelivered();
      });
      res.on("error", () => {});
      resolve();
    });
    req.on("error", reject);
    req.end();
  });
}

const started = performance.now();
let failed = 0;
let retried = 0;
let next = 0;
await Promise.all(Array.from({ length: Math.min(config.concurrency ?? 64, N) }, async () => {
  while (next < N) {
    next++;
    try {
      await open();
    } catch (error) {
      failed++;
      firstError ??= error instanceof Error ? error.message : String(error);
    }
  }
}));
print({ phase: "open", opened: streams.length, failed, retried, firstError, seconds: (performance.now() - started) / 1000 });

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() !== "count") continue;
  const t0 = performance.now();
  await new Promise((resolve) => {
    onDelivered = resolve;
    if (delivered === streams.length) resolve();
    setTimeout(resolve, config.deliverTimeoutMs ?? 20_000);
  });
  print({ phase: "delivered", delivered, of: streams.length, seconds: (performance.now() - t0) / 1000, ...summarize(latencies) });
  break;
}
for (const s of streams) s.req.destroy();
agent.destroy();
process.exit(0);
