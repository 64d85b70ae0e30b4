/**
 * Parsing and validating JSON-RPC bodies: single messages and batches.
 *
 * @module
 */
import { ErrorCode, type JsonRpcErrorObject, type JsonRpcMessage } from "./types.ts";

/** A successfully parsed body. */
export interface ParsedBody {
  ok: true;
  /** The messages, in order. A single message gives an array of one. */
  messages: JsonRpcMessage[];
  /** Whether the body was a JSON array (a JSON-RPC batch). */
  batch: boolean;
}

/** A body that could not be accepted; `error.code` is -32700 (not JSON) or -32600 (not JSON-RPC). */
export interface ParseFailure {
  ok: false;
  error: JsonRpcErrorObject;
}

/**
 * Parses an HTTP or stdio body into JSON-RPC messages.
 *
 * - Not JSON → `-32700` Parse error (T-RPC-01).
 * - JSON, but not a JSON-RPC 2.0 message or a non-empty array of them → `-32600` Invalid Request
 *   (T-RPC-02, T-RPC-03: a `null` request id is invalid; T-BATCH-06: an empty batch is invalid).
 *
 * Whether batches are allowed depends on the protocol revision and is decided by the caller.
 *
 * @param text The body as text (UTF-8 decoded).
 * @returns The messages, or the error to answer with (never throws).
 * @example
 * ```ts
 * import { parseBody } from "./parse.ts";
 * const parsed = parseBody('{"jsonrpc":"2.0","id":1,"method":"ping"}');
 * console.assert(parsed.ok && parsed.messages.length === 1);
 * ```
 */
export function parseBody(text: string): ParsedBody | ParseFailure {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: { code: ErrorCode.ParseError, message: "Parse error: the body is not valid JSON" } };
  }
  return parseValue(value);
}

/**
 * Validates an already-decoded JSON value as a JSON-RPC message or batch (see {@linkcode parseBody}).
 */
export function parseValue(value: unknown): ParsedBody | ParseFailure {
  if (Array.isArray(value)) {
    if (value.length === 0) return invalid("an empty batch is not a valid request");
    for (let i = 0; i < value.length; i++) {
      const problem = messageProblem(value[i]);
      if (problem) return invalid(`batch member ${i}: ${problem}`);
    }
    return { ok: true, messages: value as JsonRpcMessage[], batch: true };
  }
  const problem = messageProblem(value);
  if (problem) return invalid(problem);
  return { ok: true, messages: [value as JsonRpcMessage], batch: false };
}

function invalid(detail: string): ParseFailure {
  return { ok: false, error: { code: ErrorCode.InvalidRequest, message: `Invalid Request: ${detail}` } };
}

/** Returns why `value` is not a JSON-RPC 2.0 message, or `undefined` when it is one. */
export function messageProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "a message must be a JSON object";
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== "2.0") return 'the "jsonrpc" member must be exactly "2.0"';
  const hasId = "id" in m;
  if (hasId && !isValidId(m.id) && !(m.id === null && "error" in m)) {
    return 'the "id" member must be a string or an integer';
  }
  if ("method" in m) {
    if (typeof m.method !== "string" || m.method === "") return 'the "method" member must be a non-empty string';
    if ("params" in m && (typeof m.params !== "object" || m.params === null)) {
      return 'the "params" member must be an object or an array';
    }
    if ("result" in m || "error" in m) return "a message cannot be both a request and a response";
    return undefined;
  }
  if (!hasId) return 'a message needs a "method" (request, notification) or an "id" (response)';
  const hasResult = "result" in m;
  const hasError = "error" in m;
  if (hasResult === hasError) return 'a response needs exactly one of "result" and "error"';
  if (hasError) {
    const e = m.error as Record<string, unknown> | null;
    if (typeof e !== "object" || e === null || !Number.isInteger(e.code) || typeof e.message !== "string") {
      return 'the "error" member needs an integer "code" and a string "message"';
    }
  }
  return undefined;
}

function isValidId(id: unknown): boolean {
  return typeof id === "string" || (typeof id === "number" && Number.isInteger(id));
}
