import { test } from "node:test";
import assert from "node:assert/strict";
import { createStreamableHttpEndpoint } from "./streamable_http.ts";
import type { Upstream, UpstreamMessage } from "../upstream/types.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import { sseEvents } from "../../testing/downstream.ts";

const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };

/** An upstream whose tools/call reply is a stream of `count` notifications of ~10 KB, produced on demand. */
function streamingUpstream(count: number, produced: { n: number }): Upstream {
  const one = (id: unknown, result: unknown): ReadableStream<UpstreamMessage> =>
    new ReadableStream({
      start(c) {
        c.enqueue({ message: { jsonrpc: "2.0", id, result } as JsonRpcMessage });
        c.close();
      },
    });
  return {
    description: "in-process",
    connect: () => ({
      send: (sent: JsonRpcMessage[]) => {
        const m = sent[0] as { id?: number | string; method?: string };
        if (m.id === undefined) return Promise.resolve({ type: "accepted" as const });
        if (m.method === "initialize") {
          return Promise.resolve({
            type: "messages" as const,
            delivery: "complete" as const,
            messages: one(m.id, {
              protocolVersion: "2025-06-18",
              capabilities: {},
              serverInfo: { name: "u", version: "1" },
            }),
          });
        }
        const pad = "x".repeat(10_000);
        const stream = new ReadableStream<UpstreamMessage>({
          pull(c) {
            if (produced.n === count) {
              c.enqueue({ message: { jsonrpc: "2.0", id: m.id!, result: {} } });
              c.close();
              return;
            }
            produced.n++;
            c.enqueue({
              message: { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: pad } },
            });
          },
        }, { highWaterMark: 0 });
        return Promise.resolve({ type: "messages" as const, delivery: "streamed" as const, messages: stream });
      },
      listen: () => Promise.resolve(null),
      close: () => Promise.resolve(),
      ended: new Promise<void>(() => {}),
    }),
  };
}

test("a client that does not read holds back the upstream instead of the proxy buffering the stream", async () => {
  const produced = { n: 0 };
  const endpoint = createStreamableHttpEndpoint({ upstream: streamingUpstream(1_000, produced) });
  try {
    const init = await endpoint.handle(
      new Request("http://127.0.0.1/mcp", {
        method: "POST",
        headers,
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 0,
          method: "initialize",
          params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
        }),
      }),
    );
    const sid = init.headers.get("mcp-session-id")!;
    await init.text();
    const response = await endpoint.handle(
      new Request("http://127.0.0.1/mcp", {
        method: "POST",
        headers: { ...headers, "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: "stream", arguments: {} },
        }),
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
    // 1,000 events of ~10 KB = ~10 MB; nobody reads, so only about the high-water mark (64 KiB) is taken.
    assert.ok(produced.n < 50, `the proxy took ${produced.n} of 1000 events from the upstream without a reader`);
    const events = await sseEvents(response);
    assert.equal(events.length, 1_001);
    assert.equal(produced.n, 1_000);
  } finally {
    await endpoint.close();
  }
});
