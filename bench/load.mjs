/**
 * The load client of the overhead scenario: C concurrent MCP sessions, each `initialize` once, then
 * sequential `tools/call` requests of the tool `echo` until the time is up. Raw HTTP (node:http with
 * keep-alive), not an SDK client, so that the client is not the bottleneck. Prints one JSON line.
 *
 * Usage: node bench/load.mjs '{"url":"http://127.0.0.1:3101/mcp","sessions":10,"durationMs":5000,"warmupMs":1000}'
 *        node bench/load.mjs '{"command":["node","bench/stdio_server.mjs"],"sessions":10,...}'   (stdio, no HTTP)
 *        node bench/load.mjs '{"url":…,"modern":true,…}'   (2026-07-28: no session; each client sends `server/discover`
 *        once, then self-contained `tools/call` requests with `_meta` and the MCP-Protocol-Version/Mcp-Method/Mcp-Name headers)
 */
import http from "node:http";
import { spawn } from "node:child_process";
import process from "node:process";
import { summarize } from "./stats.mjs";

const config = JSON.parse(process.argv[2] ?? "{}");
const SESSIONS = config.sessions ?? 10;
const DURATION = config.durationMs ?? 5_000;
const WARMUP = config.warmupMs ?? 1_000;
const VERSION = config.protocolVersion ?? "2025-06-18";
/** Paced mode: each session sends this many calls per second (0: back to back, the closed loop). */
const RATE = config.ratePerSession ?? 0;
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

const initialize = (id) => ({
  jsonrpc: "2.0",
  id,
  method: "initialize",
  params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: "mcpwire-bench", version: "1" } },
});
const call = (id) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo", arguments: { text: "hello" } } });
/** 2026-07-28 request metadata (T-PV-12): protocol version, client capabilities and info on every request. */
const MODERN_META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "mcpwire-bench", version: "1" },
};
const modernCall = (id) => ({ ...call(id), params: { ...call(id).params, _meta: MODERN_META } });
const modernHeaders = (method, name) => ({
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2026-07-28",
  "mcp-method": method,
  ...(name ? { "mcp-name": name } : {}),
});

function request(url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
      res.on("error", reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

/** The JSON-RPC response with `id` in a JSON or SSE body, or undefined. */
export function findResponse(res, id) {
  const type = String(res.headers["content-type"] ?? "");
  const candidates = [];
  if (type.startsWith("text/event-stream")) {
    for (const line of res.text.split("\n")) {
      if (line.startsWith("data:")) {
        const data = line.slice(5).trim();
        if (data) candidates.push(JSON.parse(data));
      }
    }
  } else if (res.text) {
    const v = JSON.parse(res.text);
    candidates.push(...(Array.isArray(v) ? v : [v]));
  }
  return candidates.find((m) => m && m.id === id && ("result" in m || "error" in m));
}

const latencies = [];
let calls = 0;
let errors = 0;
let firstError;
// The clock starts once every session is set up (initialize, or a child process started): session
// set-up is not what this measures, and 100 stdio children take seconds to boot on 2 cores.
let measureFrom = Infinity;
let end = Infinity;
let ready = 0;
let startClock;
const clockStarted = new Promise((resolve) => (startClock = resolve));
async function setUpDone() {
  if (++ready === SESSIONS) {
    const t0 = performance.now();
    measureFrom = t0 + WARMUP;
    end = t0 + WARMUP + DURATION;
    startClock();
  }
  await clockStarted;
}

function fail(error) {
  errors++;
  firstError ??= error instanceof Error ? error.message : String(error);
}

/** One client of the stateless revision: `server/discover` once, then self-contained calls (no session). */
async function modernSession(n) {
  const discover = { jsonrpc: "2.0", id: 1, method: "server/discover", params: { _meta: MODERN_META } };
  try {
    const res = await request(config.url, modernHeaders("server/discover"), JSON.stringify(discover));
    if (res.status !== 200 || !findResponse(res, 1)) throw new Error(`server/discover answered ${res.status}: ${res.text.slice(0, 200)}`);
  } catch (error) {
    fail(error);
    return void await setUpDone();
  }
  await setUpDone();
  await callLoop(n, modernHeaders("tools/call", "echo"), modernCall);
}

async function httpSession(n) {
  const base = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  let init;
  for (let attempt = 0; attempt < 3 && !init; attempt++) {
    try {
      const res = await request(config.url, base, JSON.stringify(initialize(1)));
      if (res.status !== 200 || !findResponse(res, 1)) throw new Error(`initialize answered ${res.status}: ${res.text.slice(0, 200)}`);
      init = res;
    } catch (error) {
      fail(error);
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
  }
  if (!init) return void await setUpDone();
  const sid = init.headers["mcp-session-id"];
  const headers = { ...base, "mcp-protocol-version": VERSION, ...(sid ? { "mcp-session-id": sid } : {}) };
  await request(config.url, headers, JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })).catch(fail);
  await setUpDone();
  await callLoop(n, headers, call);
  // End the session, as a well-behaved client does: later runs then meet a proxy without stale sessions.
  if (sid) {
    await new Promise((resolve) => {
      const req = http.request(config.url, { method: "DELETE", agent, headers }, (res) => {
        res.resume();
        res.on("end", resolve);
      });
      req.setTimeout(5_000, () => req.destroy());
      req.on("error", resolve);
      req.on("close", resolve);
      req.end();
    });
  }
}

/** Sequential `tools/call` requests (`build(id)`) until the time is up, paced when RATE is set. */
async function callLoop(n, headers, build) {
  let id = 1 + n * 1_000_000;
  const interval = RATE > 0 ? 1000 / RATE : 0;
  let next = performance.now() + (interval * n) / SESSIONS; // sessions staggered over one interval
  while (performance.now() < end) {
    if (interval > 0) {
      // Paced: wait for the next slot; a late call does not make the next ones burst.
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      next = Math.max(next + interval, performance.now());
    }
    id++;
    const started = performance.now();
    try {
      const res = await request(config.url, headers, JSON.stringify(build(id)));
      const reply = findResponse(res, id);
      if (res.status !== 200 || !reply || reply.error) throw new Error(`tools/call answered ${res.status}: ${res.text.slice(0, 200)}`);
      if (started >= measureFrom) {
        latencies.push(performance.now() - started);
        calls++;
      }
    } catch (error) {
      fail(error);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

async function stdioSession(n) {
  const [cmd, ...args] = config.command;
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "ignore"] });
  const waiting = new Map();
  let buffer = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.trim()) continue;
      const m = JSON.parse(line);
      waiting.get(m.id)?.(m);
      waiting.delete(m.id);
    }
  });
  const rpc = (message) => new Promise((resolve) => {
    waiting.set(message.id, resolve);
    child.stdin.write(JSON.stringify(message) + "\n");
  });
  try {
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("initialize timed out")), 20_000).unref?.());
    try {
      await Promise.race([rpc(initialize(1)), timeout]);
    } catch (error) {
      fail(error);
      await setUpDone();
      return;
    }
    child.stdin.write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) + "\n");
    await setUpDone();
    let id = 1 + n * 1_000_000;
    while (performance.now() < end) {
      id++;
      const started = performance.now();
      const reply = await rpc(call(id));
      if (reply.error) fail(new Error(reply.error.message));
      else if (started >= measureFrom) {
        latencies.push(performance.now() - started);
        calls++;
      }
    }
  } finally {
    child.kill();
  }
}

const run = config.command ? stdioSession : config.modern ? modernSession : httpSession;
await Promise.all(Array.from({ length: SESSIONS }, (_, n) => run(n)));
const measured = Number.isFinite(measureFrom) ? Math.max(1, Math.min(performance.now(), end) - measureFrom) : 1;
process.stdout.write(JSON.stringify({
  sessions: SESSIONS,
  calls,
  errors,
  firstError,
  callsPerSec: calls / (measured / 1000),
  ...summarize(latencies),
}) + "\n");
agent.destroy();
process.exit(0);
