/**
 * Pure helpers for checks: JSON-RPC message builders, error-code access, short reply descriptions, and tool
 * arguments from a JSON Schema.
 *
 * @module
 */
import type { Message, Reply } from "./reply.ts";

const CLIENT_INFO = { name: "mcpwire-conformance", version: "0.1.0" };

/** Builds a JSON-RPC request object. */
export function rpc(id: string | number, method: string, params?: Record<string, unknown>): Message {
  return params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params };
}

/** Builds a JSON-RPC notification object. */
export function notification(method: string, params?: Record<string, unknown>): Message {
  return params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params };
}

/** Builds the `initialize` request for `protocolVersion`. */
export function initializeRequest(id: string | number, protocolVersion: string): Message {
  return rpc(id, "initialize", { protocolVersion, capabilities: {}, clientInfo: CLIENT_INFO });
}

/** True for a JSON-RPC response (result or error) to `id`. */
export function isResponseTo(message: Message, id: string | number): boolean {
  return message.id === id && !("method" in message) && ("result" in message || "error" in message);
}

/** The JSON-RPC error code of `message`, if it is an error response. */
export function errorCodeOf(message: unknown): number | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const error = (message as Message).error;
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as Message).code;
  return typeof code === "number" ? code : undefined;
}

/** Describes a reply in a few words: `HTTP 200 application/json, 42 bytes`. */
export function describe(reply: Reply): string {
  const body = reply.evidence.response?.body ?? "";
  const type = reply.mediaType || "no Content-Type";
  return `HTTP ${reply.status} ${type}${body ? `, ${body.length} bytes` : reply.ended ? ", empty body" : ""}`;
}

/**
 * A JSON value quoted for a report's `actual`: its JSON text, cut at 200 characters.
 *
 * @param value the message or value to quote (`undefined` is quoted as `undefined`)
 * @returns at most 200 characters of JSON
 * @example
 * ```ts
 * excerpt({ jsonrpc: "2.0", id: 1, result: {} }); // '{"jsonrpc":"2.0","id":1,"result":{}}'
 * ```
 */
export function excerpt(value: unknown): string {
  return (JSON.stringify(value) ?? String(value)).slice(0, 200);
}

/** Name patterns of a tool that streams progress, in priority order (T-POST-06, T-RES-*, T-POST-12…). */
export const STREAM_TOOL_PATTERNS: readonly RegExp[] = [
  /progress/i,
  /stream/i,
  /slow/i,
  /long/i,
  /sleep|wait|delay|countdown|tick/i,
];

/** The skip reason when no tool streams progress. */
export const NO_STREAM_TOOL =
  "no tool that streams progress was found in tools/list; pass --stream-tool NAME --stream-args JSON";

/**
 * The top-level properties of a tool's input schema (`{}` when it has none).
 *
 * @param tool a tool from `tools/list`
 * @returns property name → property schema
 * @example
 * ```ts
 * schemaProperties({ name: "echo", inputSchema: { properties: { text: { type: "string" } } } }); // { text: … }
 * ```
 */
export function schemaProperties(tool: Message): Record<string, Message> {
  return ((tool.inputSchema as Message | undefined)?.properties ?? {}) as Record<string, Message>;
}

/**
 * The string argument of an echo-like tool: the first string property named like text or message, else the
 * first string property, else `text`.
 *
 * @param tool a tool from `tools/list`
 * @returns the argument name to put the echoed text in
 * @example
 * ```ts
 * echoArgOf({ name: "echo", inputSchema: { properties: { message: { type: "string" } } } }); // "message"
 * ```
 */
export function echoArgOf(tool: Message): string {
  const props = schemaProperties(tool);
  const names = Object.keys(props).filter((n) => props[n]?.type === "string");
  return names.find((n) => /text|message/i.test(n)) ?? names[0] ?? "text";
}

/**
 * The first tool whose name matches `patterns` in priority order, never one that needs client features
 * (sampling, elicitation, roots), with arguments from its schema.
 *
 * @param tools the tools from `tools/list`
 * @param patterns name patterns, most wanted first
 * @returns the tool's name and arguments, or undefined when none matches
 * @example
 * ```ts
 * pickTool([{ name: "slow-count", inputSchema: {} }], STREAM_TOOL_PATTERNS); // { name: "slow-count", args: {} }
 * ```
 */
export function pickTool(
  tools: Message[],
  patterns: readonly RegExp[],
): { name: string; args: Record<string, unknown> } | undefined {
  const usable = tools.filter((t) => typeof t.name === "string" && !/sampl|elicit|roots/i.test(t.name));
  for (const pattern of patterns) {
    const tool = usable.find((t) => pattern.test(t.name as string));
    if (tool) return { name: tool.name as string, args: _argsFromSchema(tool.inputSchema) };
  }
  return undefined;
}

/**
 * Builds arguments for a tool from its JSON Schema: defaults when given, small values for required
 * properties, and short durations/step counts for properties that look like them.
 */
export function _argsFromSchema(schema: unknown): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (typeof schema !== "object" || schema === null) return args;
  const s = schema as { properties?: Record<string, Message>; required?: string[] };
  const required = new Set(s.required ?? []);
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    const type = prop.type;
    if (type === "number" || type === "integer") {
      if (/step|count/i.test(name)) args[name] = 3;
      else if (/ms|delay|interval/i.test(name)) args[name] = 200;
      else if (/duration|second|time/i.test(name)) args[name] = 1;
      else if (required.has(name)) args[name] = prop.default ?? 1;
    } else if (required.has(name)) {
      args[name] = prop.default ?? (type === "string" ? "mcpwire" : type === "boolean" ? false : {});
    }
  }
  return args;
}
