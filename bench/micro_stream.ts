/**
 * In-process micro-benchmark of the SSE pass-through (no sockets): one `tools/call` through the reverse
 * proxy's handler, whose upstream `fetch` answers with an SSE body of 20,000 1 KB `notifications/message`
 * events, one body chunk per event (as node:http writes them), then the result. The client reads the
 * proxy's response body to its end. Four rounds (the first ones warm the JIT); prints µs per event, MB/s and
 * how many chunks the proxy's body had. Everything is mcpwire's JavaScript plus the runtime's Web streams:
 * the figure A/B-tests the per-event path (issue 16) without the noise of HTTP on a shared machine.
 *
 * Usage: deno run -A bench/micro_stream.ts   |   bun bench/micro_stream.ts
 */
// deno-lint-ignore-file no-explicit-any
import { createReverseProxy } from "../lib/proxy/reverse.ts";
import { initRequest } from "../testing/messages.ts";
const N = 20_000;
const enc = new TextEncoder();
const pad = "x".repeat(900);
function sseBody(id: number) {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    type: "bytes",
    pull(c: ReadableByteStreamController) {
      if (i >= N) {
        c.enqueue(
          enc.encode(
            `id: e${i}\nevent: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", id, result: { ok: 1 } })}\n\n`,
          ),
        );
        c.close();
        return;
      }
      c.enqueue(
        enc.encode(
          `id: e${i}\nevent: message\ndata: ${
            JSON.stringify({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: pad, i } })
          }\n\n`,
        ),
      );
      i++;
    },
  } as any);
}
const fakeFetch = (_input: unknown, init?: RequestInit): Promise<Response> => Promise.resolve(answer(init));
function answer(init?: RequestInit): Response {
  const m = JSON.parse(String(init?.body));
  if (m.id === undefined) return new Response(null, { status: 202 });
  if (m.method === "initialize") {
    return new Response(
      JSON.stringify({
        jsonrpc: "2.0",
        id: m.id,
        result: { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name: "x", version: "1" } },
      }),
      { headers: { "content-type": "application/json", "mcp-session-id": "up-1" } },
    );
  }
  return new Response(sseBody(m.id), { headers: { "content-type": "text/event-stream" } });
}
const proxy = createReverseProxy({ upstream: "http://127.0.0.1:1/mcp", http: { fetch: fakeFetch as typeof fetch } });
const handler = proxy.fetch;
const url = "http://127.0.0.1:8080/mcp";
const base = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  host: "127.0.0.1:8080",
};
const init = await handler(
  new Request(url, { method: "POST", headers: base, body: JSON.stringify(initRequest("2025-06-18", 0)) }),
);
const sid = init.headers.get("mcp-session-id")!;
await init.text();
const headers = { ...base, "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" };
for (let round = 0; round < 4; round++) {
  const t0 = performance.now();
  const r = await handler(
    new Request(url, {
      method: "POST",
      headers,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1 + round,
        method: "tools/call",
        params: { name: "x", arguments: {} },
      }),
    }),
  );
  const reader = r.body!.getReader();
  let bytes = 0, chunks = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    chunks++;
  }
  const ms = performance.now() - t0;
  console.log(
    `round ${round}: ${(ms * 1000 / N).toFixed(1)} µs/event, ${
      (bytes / 1e6 / (ms / 1000)).toFixed(0)
    } MB/s, ${chunks} chunks`,
  );
}
// The proxy's session sweep keeps the process alive.
(globalThis as any).Deno ? (globalThis as any).Deno.exit(0) : (globalThis as any).process.exit(0);
