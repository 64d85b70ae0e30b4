/**
 * The floor of a runtime: a plain byte proxy (no MCP awareness) on Deno or Bun, built from the same
 * primitives mcpwire uses (the runtime's HTTP server and fetch, streaming bodies both ways). What this
 * costs in latency and memory, mcpwire cannot undercut on that runtime.
 *
 * Usage: deno run -A bench/byte_proxy.mjs PORT UPSTREAM_BASE    |    bun bench/byte_proxy.mjs PORT UPSTREAM_BASE
 */
const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2);
const port = Number(args[0]);
const upstream = args[1];
const HOP = ["connection", "keep-alive", "transfer-encoding", "host", "content-length"];

async function handler(request) {
  const url = new URL(request.url);
  const headers = new Headers(request.headers);
  for (const name of HOP) headers.delete(name);
  const response = await fetch(upstream + url.pathname + url.search, {
    method: request.method,
    headers,
    body: request.body,
    duplex: "half",
    redirect: "manual",
    signal: request.signal,
  });
  const out = new Headers(response.headers);
  for (const name of HOP) out.delete(name);
  return new Response(response.body, { status: response.status, headers: out });
}

if (globalThis.Bun) {
  globalThis.Bun.serve({ hostname: "127.0.0.1", port, idleTimeout: 0, fetch: handler });
} else {
  globalThis.Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, handler);
}
