/**
 * The span layers of the default stack, in process (docs/tracing.md): the bundled example server as a
 * stdio upstream (through the real stdio connector and resilience), spans kept by the SDK's in-memory
 * exporter. What the upstream received is read from the child's stdin.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  W3CTraceContextPropagator,
} from "../../testing/deps.ts";
import { inProcessExampleChild } from "../../testing/downstream.ts";
import { collect, initRequest } from "../../testing/messages.ts";
import { buildUpstream } from "../proxy/stack.ts";
import type { StdioChild } from "../upstream/stdio.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import type { UpstreamConnection } from "../upstream/types.ts";
import type { Tracing } from "./traced.ts";

const SERVER = 1; // SpanKind.SERVER in the API
const CLIENT = 2; // SpanKind.CLIENT

/** The example server in process, with every line written to its stdin kept in `lines`. */
function recordingChild(lines: JsonRpcMessage[], children: StdioChild[]): StdioChild {
  const child = inProcessExampleChild();
  const decoder = new TextDecoder();
  const tee = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      for (const line of decoder.decode(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      controller.enqueue(chunk);
    },
  });
  void tee.readable.pipeTo(child.stdin).catch(() => {});
  const out = { ...child, stdin: tee.writable };
  children.push(out);
  return out;
}

function setup(withTracing = true) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracing: Tracing = { tracer: provider.getTracer("test"), propagator: new W3CTraceContextPropagator() };
  const lines: JsonRpcMessage[] = [];
  const children: StdioChild[] = [];
  const { upstream } = buildUpstream({
    upstream: ["example"],
    spawn: () => recordingChild(lines, children),
    resilience: { recovery: { initialDelayMs: 1, maxDelayMs: 5 } },
    ...(withTracing ? { tracing } : {}),
  });
  return { exporter, lines, children, upstream };
}

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const PARENT = "b7ad6b7169203331";
const headers = () => new Headers({ traceparent: `00-${TRACE}-${PARENT}-01` });

async function call(connection: UpstreamConnection, message: JsonRpcMessage): Promise<JsonRpcMessage[]> {
  const reply = await connection.send([message], { headers: headers(), sessionId: "s1", revision: "2025-11-25" });
  return reply.type === "messages" ? (await collect(reply.messages)).map((m) => m.message) : [];
}

function metaOf(message: JsonRpcMessage | undefined): Record<string, unknown> {
  return ((message as { params?: { _meta?: Record<string, unknown> } })?.params?._meta) ?? {};
}

describe("the tracing layers", () => {
  it("give a stdio request a SERVER and a CLIENT span, and pass the CLIENT span on in _meta", async () => {
    const { exporter, lines, upstream } = setup();
    const connection = upstream.connect();
    try {
      await call(connection, initRequest("2025-11-25", 1));
      const answers = await call(connection, {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "echo", arguments: { text: "hi" } },
      });
      assert.ok(answers.some((m) => "result" in m));
    } finally {
      await connection.close();
    }
    const spans = exporter.getFinishedSpans().filter((s) => s.name === "tools/call echo");
    const server = spans.find((s) => s.kind === SERVER)!;
    const client = spans.find((s) => s.kind === CLIENT)!;
    assert.ok(server && client, `both spans (got ${spans.length})`);
    assert.equal(server.spanContext().traceId, TRACE);
    assert.equal(server.parentSpanContext?.spanId, PARENT);
    assert.equal(client.parentSpanContext?.spanId, server.spanContext().spanId);
    assert.equal(client.attributes["network.transport"], "pipe");
    assert.equal(server.attributes["mcp.session.id"], "s1");
    assert.equal(server.attributes["gen_ai.tool.name"], "echo");
    const sent = lines.find((m) => "method" in m && m.method === "tools/call");
    assert.equal(metaOf(sent).traceparent, `00-${TRACE}-${client.spanContext().spanId}-01`);
    assert.deepEqual(
      (sent as unknown as { params: { arguments: unknown } }).params.arguments,
      { text: "hi" },
      "params kept",
    );
  });

  it("mark an error response on both spans", async () => {
    const { exporter, upstream } = setup();
    const connection = upstream.connect();
    try {
      await call(connection, initRequest("2025-11-25", 1));
      const answers = await call(connection, { jsonrpc: "2.0", id: 2, method: "no/such-method" });
      assert.ok(answers.some((m) => "error" in m));
    } finally {
      await connection.close();
    }
    const spans = exporter.getFinishedSpans().filter((s) => s.name === "no/such-method");
    assert.equal(spans.length, 2);
    for (const span of spans) {
      assert.equal(span.status.code, 2, "ERROR");
      assert.equal(span.attributes["error.type"], String(span.attributes["rpc.response.status_code"]));
      assert.match(String(span.attributes["error.type"]), /^-32/);
    }
  });

  it("give each attempt of a recovery its own CLIENT span: the replayed initialize and the request", async () => {
    const { exporter, upstream, children } = setup();
    const connection = upstream.connect();
    try {
      await call(connection, initRequest("2025-11-25", 1));
      await call(connection, { jsonrpc: "2.0", method: "notifications/initialized" });
      children[0]!.kill();
      await children[0]!.exited;
      const answers = await call(connection, { jsonrpc: "2.0", id: 3, method: "ping" });
      assert.ok(answers.some((m) => "result" in m), JSON.stringify(answers));
      assert.equal(children.length, 2, "the child was respawned");
    } finally {
      await connection.close();
    }
    const spans = exporter.getFinishedSpans();
    const inits = spans.filter((s) => s.kind === CLIENT && s.name === "initialize");
    assert.equal(inits.length, 2, "the client's initialize and the replayed one");
    assert.match(String(inits[1]!.attributes["jsonrpc.request.id"]), /^mcpwire-reinit-/);
    assert.ok(inits.every((s) => s.spanContext().traceId === TRACE), "in the client's trace");
    const serverIds = new Set(spans.filter((s) => s.kind === SERVER).map((s) => s.spanContext().spanId));
    assert.ok(serverIds.has(inits[1]!.parentSpanContext!.spanId), "under a request of the session");
    // The ping went to the dead child first (an attempt that failed) or waited for the recovery: either way
    // every attempt has its span under the one SERVER span, and only the last one succeeded.
    const pingServer = spans.filter((s) => s.name === "ping" && s.kind === SERVER);
    const attempts = spans.filter((s) => s.name === "ping" && s.kind === CLIENT);
    assert.equal(pingServer.length, 1);
    assert.ok(attempts.length >= 1 && attempts.length <= 2, `attempts: ${attempts.length}`);
    for (const a of attempts) assert.equal(a.parentSpanContext?.spanId, pingServer[0]!.spanContext().spanId);
    assert.notEqual(attempts.at(-1)!.status.code, 2, "the last attempt succeeded");
    for (const a of attempts.slice(0, -1)) assert.equal(a.status.code, 2, "an earlier attempt failed");
  });

  it("are not there when tracing is off: no span, nothing added to the messages", async () => {
    const { exporter, lines, upstream } = setup(false);
    const connection = upstream.connect();
    try {
      await call(connection, initRequest("2025-11-25", 1));
      await call(connection, { jsonrpc: "2.0", id: 2, method: "ping" });
    } finally {
      await connection.close();
    }
    assert.equal(exporter.getFinishedSpans().length, 0);
    assert.ok(lines.length >= 2);
    assert.ok(lines.every((m) => !("traceparent" in metaOf(m))));
  });
});
