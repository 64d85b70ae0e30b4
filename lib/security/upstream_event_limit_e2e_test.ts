/**
 * The limit on one SSE event from the upstream (`--max-upstream-event-bytes`, docs/security.md): a real
 * 1.x SDK server answers a tool call with one event over the limit; the client (the 1.x SDK) gets a clear
 * JSON-RPC error for that request, the session keeps working, and `/metrics` counts it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { RUNTIME } from "../../testing/e2e.ts";
import { type CliProcess, startCli } from "../../testing/cli.ts";
import { type Sdk1Server, startSdk1Server } from "../../testing/sdk1_server.ts";
import { Client, StreamableHTTPClientTransport } from "../../testing/deps.ts";

const LIMIT = 65_536;

describe(`mcpwire reverse on ${RUNTIME}: an upstream SSE event over --max-upstream-event-bytes`, () => {
  let upstream: Sdk1Server;
  let proxy: CliProcess;
  before(async () => {
    upstream = await startSdk1Server();
    proxy = await startCli([
      "reverse",
      "--bind",
      "127.0.0.1:0",
      "--max-upstream-event-bytes",
      String(LIMIT),
      "--upstream",
      upstream.url.href,
    ]);
  }, { timeout: 30_000 });
  after(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  test(
    "the request gets a JSON-RPC error, the session goes on, the metric counts it",
    { timeout: 30_000 },
    async () => {
      const client = new Client({ name: "event-limit-test", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(proxy.base));
      try {
        const small = await client.callTool({ name: "big", arguments: { bytes: 1_000 } });
        assert.equal((small.content as { text: string }[])[0]!.text.length, 1_000);
        const started = performance.now();
        const failure = await client.callTool({ name: "big", arguments: { bytes: LIMIT * 2 } }, undefined, {
          timeout: 15_000,
        }).then(() => undefined, (error: Error) => error);
        assert.ok(failure, "the oversized answer is not delivered");
        assert.match(failure.message, /event|too large|limit/i, failure.message);
        assert.ok(performance.now() - started < 10_000, "answered at once, not after a timeout");
        const echoed = await client.callTool({ name: "echo", arguments: { message: "still here" } });
        assert.match(JSON.stringify(echoed.content), /still here/);
        const metrics = await (await fetch(new URL("/metrics", proxy.base))).text();
        assert.match(metrics, /^mcpwire_upstream_events_too_large_total 1$/m, metrics);
      } finally {
        await client.close();
      }
    },
  );
});
