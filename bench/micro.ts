/**
 * In-process micro-benchmark of mcpwire's own request path (no sockets): `tools/call` through the reverse
 * proxy's handler with an in-process upstream that answers JSON at once. Shows what the JS layers cost
 * per call (app with Hono + security + CORS, the endpoint alone, and the Streamable HTTP connector against
 * an in-process fetch), separately from the runtime's HTTP server and client.
 *
 * Usage: deno run -A bench/micro.ts   |   bun bench/micro.ts        (prints µs per call)
 */
import { createReverseProxy } from "../lib/proxy/reverse.ts";
import { streamableHttpUpstream } from "../lib/upstream/streamable_http.ts";
import type { Upstream, UpstreamMessage } from "../lib/upstream/types.ts";
import type { JsonRpcMessage } from "../lib/jsonrpc/types.ts";

const N = Number((globalThis as { Deno?: { args: string[] } }).Deno?.args[0] ?? 20_000);

function streamOf<T>(items: T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const item of items) controller.enqueue(item);
      controller.close();
    },
  });
}

/** An upstream that answers every request with a result, in process. */
const fakeUpstream: Upstream = {
  description: "in-process",
  connect: () => ({
    send: (messages: JsonRpcMessage[]) => {
      const m = messages[0] as { id?: number; method?: string };
      if (m.id === undefined) return Promise.resolve({ type: "accepted" as const });
      const result = m.method === "initialize"
        ? { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name: "x", version: "1" } }
        : { content: [{ type: "text", text: "hello" }] };
      const reply: UpstreamMessage = { message: { jsonrpc: "2.0", id: m.id, result } };
      return Promise.resolve({ type: "messages" as const, format: "json" as const, messages: streamOf([reply]) });
    },
    listen: () => Promise.resolve(null),
    close: () => Promise.resolve(),
    ended: new Promise<void>(() => {}),
  }),
};

/** A fetch that answers like a JSON-mode Streamable HTTP server, in process. */
const fakeFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const request = input instanceof Request ? input : new Request(input, init);
  const m = await request.json() as { id?: number; method?: string };
  if (m.id === undefined) return new Response(null, { status: 202 });
  const result = m.method === "initialize"
    ? { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name: "x", version: "1" } }
    : { content: [{ type: "text", text: "hello" }] };
  return new Response(JSON.stringify({ jsonrpc: "2.0", id: m.id, result }), {
    headers: { "content-type": "application/json", "mcp-session-id": "up-1" },
  });
};

const url = "http://127.0.0.1:8080/mcp";
const base = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  host: "127.0.0.1:8080",
};

async function measure(label: string, handler: (r: Request) => Promise<Response>): Promise<void> {
  const init = await handler(
    new Request(url, {
      method: "POST",
      headers: base,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "m", version: "1" } },
      }),
    }),
  );
  const sid = init.headers.get("mcp-session-id")!;
  await init.text();
  const headers = { ...base, "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" };
  const run = async (n: number) => {
    for (let i = 1; i <= n; i++) {
      const res = await handler(
        new Request(url, {
          method: "POST",
          headers,
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: i,
            method: "tools/call",
            params: { name: "echo", arguments: { text: "hello" } },
          }),
        }),
      );
      await res.text();
    }
  };
  await run(Math.min(2_000, N)); // warm-up
  const t0 = performance.now();
  await run(N);
  console.log(`${label.padEnd(48)} ${(((performance.now() - t0) * 1000) / N).toFixed(1)} µs/call`);
}

const baseline = async (r: Request) => {
  await r.text();
  return new Response(JSON.stringify({ jsonrpc: "2.0", id: 1, result: {} }), {
    headers: { "content-type": "application/json" },
  });
};
await measure("baseline (read body, JSON response)", baseline);
const proxy = createReverseProxy({ upstream: fakeUpstream });
await measure("app (Hono, security, CORS) + endpoint", proxy.fetch);
await measure("endpoint.handle only", (r) => proxy.endpoint.handle(r));
const viaConnector = createReverseProxy({
  upstream: streamableHttpUpstream({ url: "http://127.0.0.1:9/mcp", fetch: fakeFetch as typeof fetch }),
});
await measure("app + endpoint + HTTP connector (in-process fetch)", viaConnector.fetch);
await proxy.close();
await viaConnector.close();
