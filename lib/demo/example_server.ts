/**
 * The bundled example MCP server that `mcpwire demo` starts: a small stdio server (newline-delimited
 * JSON-RPC) with a few tools, one resource and one prompt. Run it directly with
 * `deno run lib/demo/example_server.ts` or `bun lib/demo/example_server.ts`.
 *
 * Tools: `echo` (returns its `message`), `add` (sums `a` and `b`), `notify` (sends a log notification),
 * `countdown` (sends `steps` progress notifications, `intervalMs` apart, when the request has a progress
 * token, then answers).
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import { ErrorCode, errorResponse, isRequest, progressTokenOf } from "../jsonrpc/types.ts";
import { parseBody } from "../jsonrpc/parse.ts";
import { negotiateRevision } from "../protocol/revisions.ts";
import { splitLines } from "../kit/lines.ts";

/** The tools the example server offers, as `tools/list` returns them. */
export const EXAMPLE_TOOLS = [
  {
    name: "echo",
    description: "Returns the message it is given",
    inputSchema: { type: "object", properties: { message: { type: "string" } }, required: ["message"] },
  },
  {
    name: "add",
    description: "Adds two numbers",
    inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
  },
  {
    name: "notify",
    description: "Sends a log message notification (unrelated to the request, so it travels on the GET stream)",
    inputSchema: { type: "object", properties: { text: { type: "string" } } },
  },
  {
    name: "countdown",
    description: "Counts down, sending a progress notification per step",
    inputSchema: {
      type: "object",
      properties: { steps: { type: "number" }, intervalMs: { type: "number" } },
    },
  },
];

/**
 * Handles one client message; `send` writes server messages (progress, then the response).
 * Exported so tests can drive the server in-process, without a child.
 */
export async function handleExampleMessage(
  message: JsonRpcMessage,
  send: (m: JsonRpcMessage) => Promise<void>,
): Promise<void> {
  if (!isRequest(message)) return; // notifications and responses need no answer
  const result = await answer(message, send);
  await send(
    "error" in result
      ? errorResponse(message.id, result.error.code, result.error.message)
      : { jsonrpc: "2.0", id: message.id, result: result.ok },
  );
}

type Answer = { ok: unknown } | { error: { code: number; message: string } };

async function answer(request: JsonRpcRequest, send: (m: JsonRpcMessage) => Promise<void>): Promise<Answer> {
  const params = (request.params ?? {}) as Record<string, unknown>;
  switch (request.method) {
    case "initialize":
      return {
        ok: {
          protocolVersion: negotiateRevision(params.protocolVersion),
          capabilities: { tools: {}, resources: {}, prompts: {} },
          serverInfo: { name: "mcpwire-example-server", version: "1.0.0" },
        },
      };
    case "ping":
      return { ok: {} };
    case "tools/list":
      return { ok: { tools: EXAMPLE_TOOLS } };
    case "tools/call":
      return await callTool(request, params, send);
    case "resources/list":
      return { ok: { resources: [{ uri: "example://greeting", name: "greeting", mimeType: "text/plain" }] } };
    case "resources/read":
      if (params.uri !== "example://greeting") {
        return { error: { code: ErrorCode.InvalidParams, message: "Unknown resource" } };
      }
      return { ok: { contents: [{ uri: "example://greeting", mimeType: "text/plain", text: "Hello from mcpwire" }] } };
    case "prompts/list":
      return { ok: { prompts: [{ name: "greet", description: "Greets someone", arguments: [{ name: "name" }] }] } };
    case "prompts/get": {
      const who = String((params.arguments as Record<string, unknown> | undefined)?.name ?? "world");
      return { ok: { messages: [{ role: "user", content: { type: "text", text: `Say hello to ${who}` } }] } };
    }
    default:
      return { error: { code: ErrorCode.MethodNotFound, message: `Method not found: ${request.method}` } };
  }
}

async function callTool(
  request: JsonRpcRequest,
  params: Record<string, unknown>,
  send: (m: JsonRpcMessage) => Promise<void>,
): Promise<Answer> {
  const args = (params.arguments ?? {}) as Record<string, unknown>;
  const text = (t: string) => ({ ok: { content: [{ type: "text", text: t }] } });
  switch (params.name) {
    case "echo":
      return text(String(args.message ?? ""));
    case "add":
      return text(String(Number(args.a) + Number(args.b)));
    case "notify":
      await send({
        jsonrpc: "2.0",
        method: "notifications/message",
        params: { level: "info", logger: "example", data: String(args.text ?? "hello") },
      });
      return text("notified");
    case "countdown": {
      const steps = Math.min(Math.max(Number(args.steps ?? 3), 1), 100);
      const interval = Math.min(Math.max(Number(args.intervalMs ?? 200), 0), 10_000);
      const token = progressTokenOf(request);
      for (let i = 1; i <= steps; i++) {
        await new Promise((r) => setTimeout(r, interval));
        if (token !== undefined) {
          await send({
            jsonrpc: "2.0",
            method: "notifications/progress",
            params: { progressToken: token, progress: i, total: steps, message: `step ${i} of ${steps}` },
          });
        }
      }
      return text(`Countdown of ${steps} finished`);
    }
    default:
      return { error: { code: ErrorCode.InvalidParams, message: `Unknown tool: ${String(params.name)}` } };
  }
}

/**
 * Serves the example server over newline-delimited JSON-RPC on the given streams until input ends.
 */
export async function serveExample(
  input: ReadableStream<Uint8Array>,
  write: (text: string) => Promise<void>,
): Promise<void> {
  const send = (m: JsonRpcMessage) => write(JSON.stringify(m) + "\n");
  const inflight = new Set<Promise<void>>();
  for await (const line of splitLines(input)) {
    const parsed = parseBody(line);
    if (!parsed.ok) {
      await send(errorResponse(null, parsed.error.code, parsed.error.message));
      continue;
    }
    for (const message of parsed.messages) {
      const p = handleExampleMessage(message, send).catch(() => {});
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }
  }
  await Promise.all(inflight);
}

if (import.meta.main) {
  const { runtime } = await import("../runtime/mod.ts");
  await serveExample(runtime.stdin(), runtime.writeStdout);
  runtime.exit(0);
}
