/**
 * Tracing end to end (issue 17 item 4, docs/tracing.md): `mcpwire reverse` started as the README runs it,
 * with the standard `OTEL_*` variables pointing at a local OTLP/HTTP receiver; a real SDK client makes a
 * tool call carrying a `traceparent`; the upstream is real (server-everything behind a header tap, and the
 * 2.x SDK's 2026-07-28 server). One trace must link client → mcpwire SERVER span → mcpwire CLIENT span → the
 * `traceparent` the upstream received.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "../../testing/deps.ts";
import { type HttpChild, startEverything } from "../../testing/e2e.ts";
import { type CliChild, LISTENING, startCli } from "../../testing/cli_child.ts";
import { type HeaderTap, startHeaderTap } from "../../testing/cli_proxy.ts";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../../testing/otlp_receiver.ts";
import { modernHeaders, modernRequest, type ModernServer, startModernServer } from "../../testing/modern.ts";
import { until } from "../../testing/bridge.ts";

const SERVER = 2;
const CLIENT = 3;

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The parent span id a `traceparent` names, and its trace id. */
function parse(traceparent: string | null | undefined): { traceId: string; parentId: string } | undefined {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(traceparent ?? "");
  return m ? { traceId: m[1]!, parentId: m[2]! } : undefined;
}

function startTracedReverse(upstream: URL, receiver: OtlpReceiver): Promise<CliChild> {
  return startCli(["reverse", "--bind", "127.0.0.1:0", "--upstream", upstream.href], LISTENING, {
    timeoutMs: 20_000,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url.href, OTEL_SERVICE_NAME: "mcpwire-e2e" },
  });
}

function only(spans: ReceivedSpan[], what: string, match: (s: ReceivedSpan) => boolean): ReceivedSpan {
  const found = spans.filter(match);
  assert.equal(found.length, 1, `one ${what} (got ${found.length}: ${spans.map((s) => s.name).join(", ")})`);
  return found[0]!;
}

describe("tracing through mcpwire reverse", () => {
  let receiver: OtlpReceiver;
  let everything: HttpChild;
  let tap: HeaderTap;
  let modern: ModernServer;

  before(async () => {
    receiver = await startOtlpReceiver();
    everything = await startEverything("streamableHttp");
    tap = await startHeaderTap(everything.url);
    modern = await startModernServer();
  });

  after(async () => {
    await modern?.close();
    await tap?.close();
    await everything?.close();
    await receiver?.close();
  });

  it("links a 2025 tool call: client span → SERVER span → CLIENT span → the upstream's traceparent", async () => {
    const proxy = await startTracedReverse(new URL("/mcp", tap.url), receiver);
    const traceId = randomHex(16);
    const clientSpanId = randomHex(8);
    try {
      assert.match(proxy.stderr(), /tracing to http:\/\/127\.0\.0\.1:\d+\/v1\/traces as mcpwire-e2e/);
      const client = new Client({ name: "trace-e2e", version: "1" });
      await client.connect(
        new StreamableHTTPClientTransport(proxy.endpoint, {
          requestInit: { headers: { traceparent: `00-${traceId}-${clientSpanId}-01` } },
        }),
      );
      const result = await client.callTool({ name: "echo", arguments: { message: "traced" } });
      assert.match(JSON.stringify(result), /traced/);
      await client.close();
    } finally {
      // Shutdown exports what is still batched.
      assert.equal((await proxy.stop()).clean, true);
    }
    await until(
      () => receiver.spans.some((s) => s.traceId === traceId && s.kind === CLIENT && s.name === "tools/call echo"),
      "the spans",
      10_000,
    );
    assert.ok(receiver.contentTypes.every((t) => t.startsWith("application/json")), receiver.contentTypes.join());
    const ours = receiver.spans.filter((s) => s.traceId === traceId);
    const server = only(ours, "SERVER tools/call span", (s) => s.kind === SERVER && s.name === "tools/call echo");
    const client = only(ours, "CLIENT tools/call span", (s) => s.kind === CLIENT && s.name === "tools/call echo");
    assert.equal(server.parentSpanId, clientSpanId, "the SERVER span's parent is the client's span");
    assert.equal(client.parentSpanId, server.spanId, "the CLIENT span's parent is the SERVER span");
    assert.equal(server.service, "mcpwire-e2e");
    for (const span of [server, client]) {
      assert.equal(span.attributes["mcp.method.name"], "tools/call");
      assert.equal(span.attributes["gen_ai.tool.name"], "echo");
      assert.equal(span.attributes["gen_ai.operation.name"], "execute_tool");
      assert.equal(typeof span.attributes["mcp.session.id"], "string");
      assert.match(String(span.attributes["mcp.protocol.version"]), /^2025-/);
      assert.equal(typeof span.attributes["jsonrpc.request.id"], "string");
      assert.notEqual(span.status, 2, "not an error");
    }
    assert.equal(client.attributes["server.address"], "127.0.0.1");
    assert.equal(client.attributes["server.port"], Number(tap.url.port));
    // The initialize exchange is traced too, in the same trace.
    assert.ok(ours.some((s) => s.kind === SERVER && s.name === "initialize"), "an initialize SERVER span");
    // What the upstream received: mcpwire's CLIENT span as the parent, not the client's own span.
    const received = tap.seen.map((h) => parse(h.get("traceparent"))).filter((t) => t !== undefined);
    assert.ok(received.every((t) => t.traceId === traceId), "every upstream request is in the client's trace");
    assert.ok(received.some((t) => t.parentId === client.spanId), "the tools/call POST names the CLIENT span");
    assert.ok(!received.some((t) => t.parentId === clientSpanId), "the client's span id is never passed on as is");
  });

  it("links a 2026-07-28 request through params._meta, and passes it on in _meta and headers", async () => {
    const proxy = await startTracedReverse(modern.endpoint, receiver);
    const traceId = randomHex(16);
    const clientSpanId = randomHex(8);
    try {
      const body = modernRequest("tools/call", { name: "echo", arguments: { message: "modern" } }, 7);
      body.params._meta = { ...body.params._meta, traceparent: `00-${traceId}-${clientSpanId}-01` };
      const response = await fetch(proxy.endpoint, {
        method: "POST",
        headers: modernHeaders("tools/call", { "mcp-name": "echo" }),
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 200);
      assert.match(await response.text(), /Echo: modern/);
    } finally {
      assert.equal((await proxy.stop()).clean, true);
    }
    await until(() => receiver.spans.some((s) => s.traceId === traceId && s.kind === CLIENT), "the spans", 10_000);
    const ours = receiver.spans.filter((s) => s.traceId === traceId);
    const server = only(ours, "SERVER span", (s) => s.kind === SERVER);
    const client = only(ours, "CLIENT span", (s) => s.kind === CLIENT);
    assert.equal(server.parentSpanId, clientSpanId, "the parent comes from params._meta");
    assert.equal(client.parentSpanId, server.spanId);
    assert.equal(server.attributes["mcp.protocol.version"], "2026-07-28");
    assert.equal(server.attributes["mcp.session.id"], undefined, "a stateless request has no session");
    const seen = (await modern.log()).requests.filter((r) => r.body?.method === "tools/call" && r.body.id === 7);
    assert.equal(seen.length, 1);
    const meta = seen[0]!.body!.params!._meta as Record<string, unknown>;
    assert.equal(parse(String(meta.traceparent))?.parentId, client.spanId, "_meta names the CLIENT span");
    assert.equal(parse(seen[0]!.headers.traceparent)?.parentId, client.spanId, "so does the header");
    assert.equal(meta["io.modelcontextprotocol/protocolVersion"], "2026-07-28", "the rest of _meta is kept");
  });
});
