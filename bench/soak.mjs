/**
 * Soak: mixed abuse against `mcpwire reverse` (started as the README says, bench/targets.mjs) in front of
 * the bench upstream, measuring the proxy's RSS once a minute. Abuse, all at once and in loops:
 * session churn (initialize, tools/call, DELETE) and sessions left behind, initialize bursts (429/503),
 * bodies over --max-body (413), garbage JSON (400), GET streams opened and dropped, sockets trickling
 * headers (slowloris) and idle TCP connections. Prints one JSON line per minute and a summary.
 *
 * Usage: node bench/soak.mjs [--runtime deno|bun] [--minutes N]   (default deno, 10)
 */
import net from "node:net";
import process from "node:process";
import { killAll, rssMb, sleep } from "./procs.mjs";
import { startMcpwire, startUpstream } from "./targets.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};
const RUNTIME = arg("runtime", "deno");
const MINUTES = Number(arg("minutes", "10"));
const counts = {};
const count = (key) => (counts[key] = (counts[key] ?? 0) + 1);
const json = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "soak", version: "1" } } };

async function post(url, body, headers = {}) {
  try {
    const r = await fetch(url, { method: "POST", headers: { ...json, ...headers }, body, signal: AbortSignal.timeout(10_000) });
    await r.arrayBuffer();
    count(`POST ${r.status}`);
    return r;
  } catch (e) {
    count(`POST ${e.name}`);
    return undefined;
  }
}

/** One session's life: initialize, a call, then DELETE (or, one time in four, left to the idle TTL). */
async function churn(url) {
  const r = await post(url, JSON.stringify(init));
  const id = r?.headers.get("mcp-session-id");
  if (!id) return;
  const h = { "mcp-session-id": id, "mcp-protocol-version": "2025-11-25" };
  await post(url, JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), h);
  await post(url, JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo", arguments: { text: "x".repeat(1000) } } }), h);
  if (Math.random() < 0.25) return;
  await fetch(url, { method: "DELETE", headers: h, signal: AbortSignal.timeout(10_000) }).then((x) => x.arrayBuffer(), () => {});
}

/** A GET stream held for up to 2 s, then dropped by the client. */
async function dropStream(url) {
  const r = await post(url, JSON.stringify(init));
  const id = r?.headers.get("mcp-session-id");
  if (!id) return;
  const ac = new AbortController();
  setTimeout(() => ac.abort(), Math.random() * 2_000);
  await fetch(url, { headers: { accept: "text/event-stream", "mcp-session-id": id, "mcp-protocol-version": "2025-11-25" }, signal: ac.signal })
    .then(async (x) => { count(`GET ${x.status}`); await x.arrayBuffer(); }).catch(() => {});
}

/** A socket that sends a header byte per second until the server cuts it (or 60 s). */
function slowloris(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    const text = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "a".repeat(100);
    let i = 0;
    const timer = setInterval(() => (i < text.length ? s.write(text[i++]) : s.destroy()), 1_000);
    let over = false;
    const done = (what) => {
      if (over) return;
      over = true;
      clearInterval(timer);
      count(what);
      s.destroy();
      resolve();
    };
    s.on("close", () => done("slowloris cut"));
    s.on("error", () => done("slowloris error"));
    setTimeout(() => done("slowloris held 60 s"), 60_000);
  });
}

/** Keeps `n` idle TCP connections open, replacing those the server closes. */
function idle(port, n, stop) {
  let open = 0;
  const top = () => {
    while (!stop.done && open < n) {
      open++;
      const s = net.connect(port, "127.0.0.1");
      s.on("error", () => {});
      s.on("close", () => { open--; count("idle closed"); setTimeout(top, 100); });
      stop.sockets.add(s);
    }
  };
  top();
}

const loop = async (stop, fn) => { while (!stop.done) await fn(); };

async function main() {
  const upstream = await startUpstream();
  const proxy = await startMcpwire(RUNTIME, upstream.url);
  const url = proxy.url;
  const port = Number(new URL(url).port);
  const stop = { done: false, sockets: new Set() };
  const big = "x".repeat(5 * 1024 * 1024);
  const loops = [
    ...Array.from({ length: 4 }, () => loop(stop, () => churn(url))),
    loop(stop, () => dropStream(url)),
    loop(stop, () => post(url, big)),
    loop(stop, () => post(url, '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":' + "[".repeat(5000))),
    loop(stop, () => Promise.all(Array.from({ length: 100 }, () => post(url, JSON.stringify(init)))).then(() => sleep(1_000))),
    ...Array.from({ length: 20 }, () => loop(stop, () => slowloris(port))),
  ];
  idle(port, 500, stop);
  const samples = [];
  const started = Date.now();
  for (let minute = 0; minute <= MINUTES; minute++) {
    if (minute > 0) await sleep(Math.max(0, started + minute * 60_000 - Date.now()));
    const health = await fetch(new URL("/healthz", url), { signal: AbortSignal.timeout(5_000) }).then((r) => r.json(), () => null);
    const sample = { minute, rssMb: Number(rssMb(proxy.pid)?.toFixed(1)), sessions: health?.sessions ?? null, healthz: health ? "ok" : "failed" };
    samples.push(sample);
    console.log(JSON.stringify(sample));
  }
  stop.done = true;
  for (const s of stop.sockets) s.destroy();
  await Promise.race([Promise.all(loops), sleep(15_000)]);
  const rss = samples.map((s) => s.rssMb);
  console.log(JSON.stringify({ runtime: RUNTIME, minutes: MINUTES, rssStartMb: rss[0], rssPeakMb: Math.max(...rss), rssEndMb: rss.at(-1), counts }));
  await proxy.stop();
  await upstream.stop();
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  killAll();
  process.exit(1);
});
