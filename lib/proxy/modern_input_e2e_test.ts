/**
 * End to end, 2026-07-28 multi-round-trip requests (InputRequiredResult) through `createReverseProxy` in
 * front of the real 2.x server: the proxy passes the `input_required` result to the client untouched, the
 * 2.x client answers it with its elicitation handler and retries the call with `inputResponses`, and the
 * retried call reaches the server and completes — each round a self-contained request on both hops.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ModernClient, ModernHttpClientTransport } from "../../testing/deps.ts";
import { type ServedProxy, serveProxy } from "../../testing/e2e.ts";
import { type ModernServer, startModernServer } from "../../testing/modern.ts";
import type { Envelope } from "../protocol/envelope.ts";

describe("InputRequiredResult rounds through mcpwire reverse", () => {
  let server: ModernServer;
  let served: ServedProxy;
  const seen: Envelope[] = [];
  before(async () => {
    server = await startModernServer();
    served = await serveProxy({ upstream: server.endpoint.href, onMessage: (e) => void seen.push(e) });
  });
  after(async () => {
    await served?.close();
    await server?.close();
  });

  test("the client's answer to the server's elicitation reaches the server on the retried call", {
    timeout: 60_000,
  }, async () => {
    const client = new ModernClient(
      { name: "e2e-input", version: "1" },
      { versionNegotiation: { mode: { pin: "2026-07-28" } }, capabilities: { elicitation: {} } } as never,
    );
    const asked: string[] = [];
    client.setRequestHandler("elicitation/create", (request: { params: { message: string } }) => {
      asked.push(request.params.message);
      return { action: "accept", content: { confirm: true } };
    });
    await client.connect(new ModernHttpClientTransport(served.endpoint));
    try {
      const result = await client.callTool({ name: "confirm", arguments: { target: "staging" } });
      assert.deepEqual(result.content, [{ type: "text", text: "deployed to staging" }]);
    } finally {
      await client.close();
    }
    assert.deepEqual(asked, ["Deploy to staging?"], "the client was asked once, through the proxy");
    const calls = (await server.log()).requests.filter((r) => r.body?.method === "tools/call");
    assert.equal(calls.length, 2, "the first round and the retried call both reached the server");
    const retried = calls[1]!.body!.params as { inputResponses?: Record<string, { action?: string }> };
    assert.equal(retried.inputResponses?.confirm?.action, "accept");
    const inputRequired = seen.find((e) =>
      e.direction === "server-to-client" && JSON.stringify(e.message).includes('"inputRequests"')
    );
    assert.ok(inputRequired, "the proxy observed the input_required result on its way to the client");
    assert.equal(inputRequired.sessionId, undefined, "no session: a 2026-07-28 round is self-contained");
    assert.ok(!seen.some((e) => "method" in e.message && e.message.method === "initialize"));
  });
});
