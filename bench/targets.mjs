/**
 * What the benchmarks run against: the bench upstream, mcpwire on Deno and on Bun, nginx as a byte proxy,
 * and the npm bridges supergateway and mcp-proxy in front of a stdio server. Each starter returns
 * `{label, url, pid, stop}` where `pid` is the process whose memory and CPU are measured; or throws
 * a `Skip` with the reason when the program is not available.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { freePort, servingPid, sh, start, waitForPort } from "./procs.mjs";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const DENO = `${ROOT}node_modules/.bin/deno`;
export const BUN = `${ROOT}node_modules/.bin/bun`;
export const NODE = process.execPath;
export const PEERS = "/tmp/mcpwire-bench-peers";
export const STDIO_SERVER = [NODE, `${ROOT}bench/stdio_server.mjs`];

/** A target that cannot run here; `reason` goes into the report. */
export class Skip extends Error {}

/**
 * Starts the bench upstream (Node) → {url: ".../mcp", base, port, pid, stop}. `options.era` "2026-07-28"
 * makes it answer stateless 2026-07-28 requests too (default "2025": sessions only).
 */
export async function startUpstream(options = {}) {
  const port = options.port ?? await freePort();
  const entry = start("upstream", NODE, [`${ROOT}bench/upstream.mjs`], {
    env: { PORT: String(port), RESPONSE: options.response ?? "json", RETRY_MS: String(options.retryMs ?? 100), ERA: options.era ?? "2025" },
  });
  await waitForPort(port, entry);
  const base = `http://127.0.0.1:${port}`;
  return { label: "upstream", url: `${base}/mcp`, base, port, pid: entry.pid, output: entry.output, stop: () => entry.stop() };
}

/**
 * Starts `mcpwire reverse` on `runtime` ("deno" | "bun") in front of `upstream` (a URL, or a command array
 * for a stdio upstream).
 */
export async function startMcpwire(runtime, upstream, extraArgs = [], options = {}) {
  const port = await freePort();
  const common = ["reverse", "--bind", `127.0.0.1:${port}`, "-q", ...extraArgs];
  const tail = typeof upstream === "string" ? ["--upstream", upstream] : ["--", ...upstream];
  const v8 = options.v8Flags ? [`--v8-flags=${options.v8Flags}`] : [];
  // A preload (bench/heap_hook.mjs) adds a heap-snapshot trigger and nothing else.
  const preload = options.preload ? ["--preload", options.preload] : [];
  const [command, args] = runtime === "deno"
    ? [DENO, ["run", "-A", ...v8, ...preload, `${ROOT}cli.ts`, ...common, ...tail]]
    : [BUN, [...preload, `${ROOT}cli.ts`, ...common, ...tail]];
  // Started as a user would: no environment of its own, and the open-file limit the harness's shell has
  // (mcpwire reads it and sizes its connection budget from it; on Bun it raises its own fetch cap).
  const entry = start(`mcpwire-${runtime}`, command, args, { cwd: ROOT, raiseFileLimit: false });
  await waitForPort(port, entry);
  const label = options.label ?? `mcpwire (${runtime === "deno" ? "Deno" : "Bun"})`;
  // Memory and CPU are measured on the serving process: on Bun that is the relaunched child (its parent,
  // the relauncher, only waits; its RSS is reported once in docs/limits.md).
  const pid = runtime === "bun" ? servingPid(entry.pid) : entry.pid;
  return { label, url: `http://127.0.0.1:${port}/mcp`, pid, output: entry.output, stop: () => entry.stop() };
}

/** The label of a byte-proxy row; Bun's names the setting it runs with (BUN_CONFIG_MAX_HTTP_REQUESTS=65535). */
export function byteProxyLabel(runtime) {
  return runtime === "deno" ? "byte proxy (Deno)" : "byte proxy (Bun, BUN_CONFIG_MAX_HTTP_REQUESTS=65535)";
}

/** Starts the plain byte proxy (bench/byte_proxy.mjs) on `runtime`: the runtime's own floor. */
export async function startByteProxy(runtime, upstreamBase, options = {}) {
  const port = await freePort();
  const script = `${ROOT}bench/byte_proxy.mjs`;
  const preload = options.preload ? ["--preload", options.preload] : [];
  const [command, args] = runtime === "deno"
    ? [DENO, ["run", "-A", ...preload, script, String(port), upstreamBase]]
    : [BUN, [...preload, script, String(port), upstreamBase]];
  // The floor row of Bun needs its fetch cap raised to hold 1,000 streams; its label says so.
  const entry = start(`byte-proxy-${runtime}`, command, args, {
    cwd: ROOT,
    env: runtime === "bun" ? { BUN_CONFIG_MAX_HTTP_REQUESTS: "65535" } : {},
  });
  await waitForPort(port, entry);
  return { label: byteProxyLabel(runtime), url: `http://127.0.0.1:${port}/mcp`, pid: entry.pid, output: entry.output, stop: () => entry.stop() };
}

/** Ensures nginx is installed (apt-get only when absent and running as root) → path, or throws Skip. */
export function ensureNginx(log) {
  const found = sh("command -v nginx || ls /usr/sbin/nginx 2>/dev/null");
  if (found) return found.split("\n")[0];
  if (process.getuid?.() !== 0) throw new Skip("nginx is not installed and the harness is not root (apt-get skipped)");
  log("installing nginx with apt-get (once)…");
  if (sh("DEBIAN_FRONTEND=noninteractive apt-get install -y nginx >/dev/null 2>&1 && echo ok") === null) {
    throw new Skip("apt-get install -y nginx failed");
  }
  const path = sh("command -v nginx || ls /usr/sbin/nginx 2>/dev/null");
  if (!path) throw new Skip("nginx not found after apt-get install");
  return path.split("\n")[0];
}

/** Starts nginx (1 worker, buffering off) as a byte proxy in front of `upstreamBase` (http://host:port). */
export async function startNginx(upstreamBase, log) {
  const nginx = ensureNginx(log);
  const port = await freePort();
  const prefix = `/tmp/mcpwire-bench-nginx-${port}`;
  mkdirSync(`${prefix}/logs`, { recursive: true });
  const upstream = new URL(upstreamBase).host;
  writeFileSync(`${prefix}/nginx.conf`, `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
worker_rlimit_nofile 65536;
events { worker_connections 60000; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  upstream up { server ${upstream}; keepalive 512; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 1h;
    }
  }
}
`);
  const entry = start("nginx", nginx, ["-p", prefix, "-c", `${prefix}/nginx.conf`, "-g", "daemon off;"]);
  await waitForPort(port, entry);
  // The worker does the proxying; measure it rather than the master.
  const worker = sh(`pgrep -P ${entry.pid} | head -1`);
  return { label: "nginx (byte proxy)", url: `http://127.0.0.1:${port}/mcp`, pid: worker ? Number(worker) : entry.pid, stop: () => entry.stop() };
}

/** Installs supergateway and mcp-proxy into a scratch directory (once); returns a note on failure. */
export function ensurePeers(log) {
  const have = (name) => existsSync(`${PEERS}/node_modules/${name}/package.json`);
  if (have("supergateway") && have("mcp-proxy")) return null;
  log(`installing supergateway and mcp-proxy into ${PEERS} (once)…`);
  mkdirSync(PEERS, { recursive: true });
  sh(`npm install --prefix ${PEERS} --no-audit --no-fund supergateway mcp-proxy >/dev/null 2>&1`);
  return have("supergateway") && have("mcp-proxy") ? null : "npm install of supergateway/mcp-proxy failed";
}

/** supergateway (stateful Streamable HTTP, one child per session) in front of the stdio server. */
export async function startSupergateway() {
  const bin = `${PEERS}/node_modules/supergateway/dist/index.js`;
  if (!existsSync(bin)) throw new Skip("supergateway is not installed (npm install failed)");
  const port = await freePort();
  const entry = start("supergateway", NODE, [
    bin, "--stdio", STDIO_SERVER.join(" "), "--outputTransport", "streamableHttp", "--stateful",
    "--port", String(port), "--logLevel", "none",
  ]);
  await waitForPort(port, entry);
  return { label: "supergateway", url: `http://127.0.0.1:${port}/mcp`, pid: entry.pid, output: entry.output, stop: () => entry.stop() };
}

/** mcp-proxy (punkpeye) in front of the stdio server. */
export async function startMcpProxy() {
  const bin = `${PEERS}/node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs`;
  if (!existsSync(bin)) throw new Skip("mcp-proxy is not installed (npm install failed)");
  const port = await freePort();
  const entry = start("mcp-proxy", NODE, [bin, "--port", String(port), "--host", "127.0.0.1", "--", ...STDIO_SERVER]);
  await waitForPort(port, entry);
  return { label: "mcp-proxy", url: `http://127.0.0.1:${port}/mcp`, pid: entry.pid, output: entry.output, stop: () => entry.stop() };
}
