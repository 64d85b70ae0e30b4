/**
 * The span names and attributes of MCP messages, with the OpenTelemetry semantic-convention names for MCP
 * (`mcp.method.name`, `mcp.session.id`, `mcp.protocol.version`, `mcp.resource.uri`), GenAI
 * (`gen_ai.tool.name`, `gen_ai.prompt.name`, `gen_ai.operation.name`), JSON-RPC (`jsonrpc.request.id`) and
 * RPC (`rpc.response.status_code`), plus `error.type`, as docs/tracing.md lists them.
 *
 * @module
 */
import type { Attributes } from "../deps.ts";
import type { JsonRpcMessage, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from "../jsonrpc/types.ts";

/** The attribute names mcpwire sets. */
export const ATTR = {
  method: "mcp.method.name",
  session: "mcp.session.id",
  revision: "mcp.protocol.version",
  resource: "mcp.resource.uri",
  tool: "gen_ai.tool.name",
  prompt: "gen_ai.prompt.name",
  operation: "gen_ai.operation.name",
  requestId: "jsonrpc.request.id",
  statusCode: "rpc.response.status_code",
  errorType: "error.type",
  httpStatus: "http.response.status_code",
} as const;

const URI_METHODS = new Set([
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "notifications/resources/updated",
]);

function _param(message: JsonRpcMessage, name: string): string | undefined {
  if (!("method" in message)) return undefined;
  const params = message.params;
  if (!params || Array.isArray(params)) return undefined;
  const value = (params as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}

/**
 * The span name of a request or notification: `{mcp.method.name} {target}`, the target being the tool or
 * prompt name when there is one (low cardinality; resource URIs stay out of the name).
 *
 * @example
 * ```ts
 * import { spanName } from "./attributes.ts";
 * console.assert(spanName({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo" } }) === "tools/call echo");
 * ```
 */
export function spanName(message: JsonRpcRequest | JsonRpcNotification): string {
  const m = message.method;
  const target = m === "tools/call" || m === "prompts/get" ? _param(message, "name") : undefined;
  return target ? `${m} ${target}` : m;
}

/**
 * The attributes of a request or notification, seen in `session` (the downstream session id) under
 * protocol `revision`.
 *
 * @example
 * ```ts
 * import { messageAttributes } from "./attributes.ts";
 * const a = messageAttributes({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "echo" } }, "s1", "2025-11-25");
 * console.assert(a["gen_ai.tool.name"] === "echo" && a["jsonrpc.request.id"] === "7");
 * ```
 */
export function messageAttributes(message: JsonRpcMessage, session?: string, revision?: string): Attributes {
  if (!("method" in message)) return {};
  const out: Attributes = { [ATTR.method]: message.method };
  if ("id" in message && message.id !== null && message.id !== undefined) out[ATTR.requestId] = String(message.id);
  if (session !== undefined) out[ATTR.session] = session;
  if (revision !== undefined) out[ATTR.revision] = revision;
  if (message.method === "tools/call") {
    const tool = _param(message, "name");
    if (tool !== undefined) out[ATTR.tool] = tool;
    out[ATTR.operation] = "execute_tool";
  }
  if (message.method === "prompts/get") {
    const prompt = _param(message, "name");
    if (prompt !== undefined) out[ATTR.prompt] = prompt;
  }
  if (URI_METHODS.has(message.method)) {
    const uri = _param(message, "uri");
    if (uri !== undefined) out[ATTR.resource] = uri;
  }
  return out;
}

/**
 * What a response says about the outcome: `undefined` for a success, else the error type (the JSON-RPC
 * error code as a string, or `tool_error` for a `CallToolResult` with `isError`) and a message.
 *
 * @example
 * ```ts
 * import { responseFailure } from "./attributes.ts";
 * console.assert(responseFailure({ jsonrpc: "2.0", id: 1, error: { code: -32601, message: "no" } })?.type === "-32601");
 * ```
 */
export function responseFailure(
  response: JsonRpcResponse,
): { type: string; message: string; code?: string } | undefined {
  if ("error" in response) {
    const code = String(response.error.code);
    return { type: code, code, message: response.error.message };
  }
  const result = response.result as { isError?: unknown } | null;
  if (result && typeof result === "object" && result.isError === true) {
    return { type: "tool_error", message: "The tool reported an error" };
  }
  return undefined;
}
