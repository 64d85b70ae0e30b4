/**
 * Many sessions, each holding its standalone GET stream, through a proxy in front of server-everything
 * (streamableHttp): how many open, how many get which status (503 + Retry-After past mcpwire's budget,
 * 502 from an internal cap), how many deliver a server notification on their GET stream, and how fast
 * `/healthz` answers meanwhile. Runs on node, bun or deno; uses node:http so the client itself has no
 * connection cap. Prints one JSON line.
 *
 * Usage: node bench/fd_streams.mjs '{"url":"http://127.0.0.1:8080/mcp","sessions":1000,"concurrency":50}'
 *   notify: true  calls server-everything's toggle-simulated-logging on each session and waits for one
 *                 notifications/message on its GET stream (bounded by deliverTimeoutMs)
 *   close: true   closes every stream at the end (default), then checks that a new session is served
 */
import http from "node:http";
import process from "node:process";

const config = JSON.parse(process.argv[2] ?? "{}");
const N = config.sessions ?? 300;
const VERSION = "2025-06-18";
const agent = new http.Agent({ keepAlive: true, maxSockets: config.postSockets ?? 32 });
const url = new URL(config.url);
const base = { "content-type": "application/json", accept: "application/json, text/event-stream" };

function request(method, headers, body, options = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(options.url ?? url, { method, agent: options.agent ?? agent, headers }, (res) => {
      if (options.stream) return resolve({ status: res.statusCode, headers: res.headers, res, req });
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text, ms: performance.now() - started }));
      res.on("error", reject);
    });
    req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const statuses = {};
const count = (what) => (statuses[what] = (statuses[what] ?? 0) + 1);
let retryAfterMissing = 0;
let connectionCloseMissing = 0;
let badBody = 0;
const streams = [];
let delivered = 0;
let firstError;

function refused(step, r) {
  count(`${step} ${r.status}`);
  if (r.status === 503 || r.status === 429) {
    if (!r.headers["retry-after"]) retryAfterMissing++;
    if (r.headers.connection !== "close") connectionCloseMissing++;
    try {
      const body = JSON.parse(r.text ?? "{}");
      if (body.jsonrpc !== "2.0" || body.id !== null || typeof body.error?.code !== "number") badBody++;
    } catch {
      badBody++;
    }
  }
  return false;
}

async function open() {
  const init = await request("POST", base, {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: "fd-streams", version: "1" } },
  });
  if (init.status !== 200) return refused("initialize", init);
  const sid = init.headers["mcp-session-id"];
  const headers = { ...base, "mcp-protocol-version": VERSION, "mcp-session-id": sid };
  const note = await request("POST", headers, { jsonrpc: "2.0", method: "notifications/initialized" });
  if (note.status !== 202) return refused("initialized", note);
  // A dedicated socket per stream (it stays busy); the agent's pool is left for POSTs.
  const get = await request("GET", { accept: "text/event-stream", "mcp-protocol-version": VERSION, "mcp-session-id": sid }, undefined, {
    agent: false,
    stream: true,
  });
  if (get.status !== 200) {
    let text = "";
    get.res.setEncoding("utf8");
    get.res.on("data", (d) => (text += d));
    await new Promise((r) => get.res.on("end", r));
    return refused("GET", { ...get, text });
  }
  count("GET 200");
  const stream = { req: get.req, sid, headers, got: false, buffer: "" };
  streams.push(stream);
  get.res.setEncoding("utf8");
  get.res.on("data", (chunk) => {
    if (stream.got) return;
    stream.buffer += chunk;
    if (stream.buffer.includes("notifications/message")) {
      stream.got = true;
      stream.buffer = "";
      delivered++;
    }
  });
  get.res.on("error", () => {});
  return true;
}

async function healthz() {
  try {
    const r = await request("GET", {}, undefined, { url: new URL("/healthz", url), agent: false, timeoutMs: 5_000 });
    return { status: r.status, ms: r.ms };
  } catch (error) {
    return { status: 0, ms: null, error: error.message };
  }
}

// /healthz sampled every 250 ms while the sessions open.
const health = [];
let sampling = true;
const sampler = (async () => {
  while (sampling) {
    health.push(await healthz());
    await new Promise((r) => setTimeout(r, 250));
  }
})();

const started = performance.now();
let next = 0;
await Promise.all(Array.from({ length: Math.min(config.concurrency ?? 50, N) }, async () => {
  while (next < N) {
    next++;
    try {
      await open();
    } catch (error) {
      count("error");
      firstError ??= error instanceof Error ? error.message : String(error);
    }
  }
}));
const openSeconds = (performance.now() - started) / 1000;

if (config.notify) {
  // server-everything sends one log message at once, then every 5 s, on the session's GET stream.
  let i = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (i < streams.length) {
      const s = streams[i++];
      await request("POST", s.headers, { jsonrpc: "2.0", id: 2, method: "logging/setLevel", params: { level: "debug" } }).catch(() => {});
      await request("POST", s.headers, { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "toggle-simulated-logging", arguments: {} } })
        .catch(() => {});
    }
  }));
  const deadline = Date.now() + (config.deliverTimeoutMs ?? 15_000);
  while (delivered < streams.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}
sampling = false;
await sampler;
const during = health.map((h) => h.ms).filter((ms) => ms !== null);
const result = {
  sessions: N,
  opened: streams.length,
  delivered,
  statuses,
  retryAfterMissing,
  connectionCloseMissing,
  badBody,
  firstError,
  openSeconds,
  healthz: {
    samples: health.length,
    failed: health.filter((h) => h.status !== 200).length,
    maxMs: during.length ? Math.max(...during) : null,
  },
};
if (config.close ?? true) {
  for (const s of streams) s.req.destroy();
  await new Promise((r) => setTimeout(r, config.settleMs ?? 1_000));
  // Once streams have closed, a new session (with its GET stream) is served again.
  const before = streams.length;
  const again = await open().catch((error) => ({ error: error.message }));
  result.afterClose = again === true ? "served" : again === false ? JSON.stringify(statuses) : again;
  if (streams.length > before) streams.at(-1).req.destroy();
}
process.stdout.write(JSON.stringify(result) + "\n");
agent.destroy();
process.exit(0);
