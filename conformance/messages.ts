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
