/**
 * JSON-RPC 2.0 message types as MCP uses them.
 *
 * @module
 */

/** A request id: a string or an integer, never `null` (MCP, T-RPC-03). */
export type JsonRpcId = string | number;

/** Structured parameters of a request or notification. */
export type JsonRpcParams = Record<string, unknown> | unknown[];

/** A request: expects exactly one response with the same id. */
export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: JsonRpcId;
  method: string;
  params?: JsonRpcParams;
}

/** A notification: a request without an id; never answered (T-RPC-07). */
export interface JsonRpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: JsonRpcParams;
}

/** A successful response. */
export interface JsonRpcSuccess {
  jsonrpc: "2.0";
  id: JsonRpcId;
  result: unknown;
}

/** The `error` member of an error response. */
export interface JsonRpcErrorObject {
  /** One of {@linkcode ErrorCode} or an application code. */
  code: number;
  message: string;
  data?: unknown;
}

/**
 * An error response. The id is omitted when the request id could not be read (MCP 2025-11-25, T-RPC-06).
 */
export interface JsonRpcError {
  jsonrpc: "2.0";
  id?: JsonRpcId | null;
  error: JsonRpcErrorObject;
}

/** A response: success or error. */
export type JsonRpcResponse = JsonRpcSuccess | JsonRpcError;

/** Any single JSON-RPC message. */
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/**
 * Named JSON-RPC error codes: JSON-RPC 2.0's own, mcpwire's (inside the implementation-defined range
 * −32000…−32019, never one MCP gives a meaning: −32002 is MCP's "resource not found"), and the ones
 * 2026-07-28 reserves (−32020…−32099). Code and docs use these names, never bare numbers.
 */
export const ErrorCode = {
  /** Invalid JSON was received. */
  ParseError: -32700,
  /** The JSON sent is not a valid request object. */
  InvalidRequest: -32600,
  /** The method does not exist or is not available. */
  MethodNotFound: -32601,
  /** Invalid method parameters. */
  InvalidParams: -32602,
  /** Internal JSON-RPC error. */
  InternalError: -32603,
  /** Implementation-defined server error: generic transport or proxy failure. */
  ServerError: -32000,
  /** Implementation-defined: the session is unknown or ended (used with HTTP 404). */
  SessionNotFound: -32001,
  /** MCP: the resource does not exist (`resources/read`); named so that mcpwire never reuses it. */
  ResourceNotFound: -32002,
  /** Implementation-defined: the request timed out (no message on its stream for the request timeout). */
  RequestTimeout: -32004,
  /** Implementation-defined: the upstream failed (used with HTTP 502/504). */
  UpstreamError: -32003,
  /** 2026-07-28: a header and the body disagree. */
  HeaderMismatch: -32020,
  /** 2026-07-28: a required client capability is missing. */
  MissingRequiredClientCapability: -32021,
  /** 2026-07-28: unsupported protocol version. */
  UnsupportedProtocolVersion: -32022,
} as const;

/** Is this message a request (has `method` and `id`)? */
export function isRequest(message: JsonRpcMessage): message is JsonRpcRequest {
  return "method" in message && "id" in message;
}

/** Is this message a notification (has `method`, no `id`)? */
export function isNotification(message: JsonRpcMessage): message is JsonRpcNotification {
  return "method" in message && !("id" in message);
}

/** Is this message a response (success or error)? */
export function isResponse(message: JsonRpcMessage): message is JsonRpcResponse {
  return !("method" in message);
}

/** Is this message an error response? */
export function isErrorResponse(message: JsonRpcMessage): message is JsonRpcError {
  return "error" in message && !("method" in message);
}

/**
 * Builds an error response. `id` `undefined` omits the member (the id could not be read, T-RPC-06).
 *
 * @example
 * ```ts
 * import { errorResponse, ErrorCode } from "./types.ts";
 * const e = errorResponse(undefined, ErrorCode.ParseError, "Parse error");
 * console.assert(!("id" in e));
 * ```
 */
export function errorResponse(
  id: JsonRpcId | null | undefined,
  code: number,
  message: string,
  data?: unknown,
): JsonRpcError {
  const error: JsonRpcErrorObject = data === undefined ? { code, message } : { code, message, data };
  return id === undefined ? { jsonrpc: "2.0", error } : { jsonrpc: "2.0", id, error };
}

/** The `params._meta.progressToken` of a request, when it asks for progress notifications. */
export function progressTokenOf(message: JsonRpcMessage): string | number | undefined {
  if (!("method" in message)) return undefined;
  const params = message.params;
  if (!params || Array.isArray(params)) return undefined;
  const meta = params._meta as Record<string, unknown> | undefined;
  const token = meta?.progressToken;
  return typeof token === "string" || typeof token === "number" ? token : undefined;
}

/** The `params.progressToken` of a `notifications/progress` message; `undefined` for anything else. */
export function progressNotificationToken(message: JsonRpcMessage): string | number | undefined {
  if (!("method" in message) || message.method !== "notifications/progress") return undefined;
  const params = message.params;
  if (!params || Array.isArray(params)) return undefined;
  const token = params.progressToken;
  return typeof token === "string" || typeof token === "number" ? token : undefined;
}
