/**
 * Small helpers shared by the check files.
 *
 * @module
 */
import type { Message, Reply } from "../context.ts";
import type { SuiteRevision } from "../types.ts";

/** 2025-03-26, 2025-06-18 and 2025-11-25. */
export const STREAMABLE: readonly SuiteRevision[] = ["2025-03-26", "2025-06-18", "2025-11-25"];
/** 2025-06-18 and 2025-11-25. */
export const FROM_2025_06: readonly SuiteRevision[] = ["2025-06-18", "2025-11-25"];
/** 2025-11-25 only. */
export const ONLY_2025_11: readonly SuiteRevision[] = ["2025-11-25"];
/** 2025-03-26 only. */
export const ONLY_2025_03: readonly SuiteRevision[] = ["2025-03-26"];

/** The JSON-RPC 2.0 specification section the framing checks cite. */
export const JSONRPC = "JSON-RPC 2.0 §5.1";

/** A session id that no server issued. */
export function unknownSessionId(): string {
  return `mcpwire-unknown-${crypto.randomUUID()}`;
}

/** True for 2xx. */
export function ok(reply: Reply): boolean {
  return reply.status >= 200 && reply.status <= 299;
}

/** True for 4xx. */
export function clientError(reply: Reply): boolean {
  return reply.status >= 400 && reply.status <= 499;
}

/** True for a JSON-RPC response object (has `result` or `error`, no `method`). */
export function isResponse(m: Message): boolean {
  return !("method" in m) && ("result" in m || "error" in m);
}

/** True for a JSON-RPC request object (has `method` and `id`). */
export function isRequest(m: Message): boolean {
  return "method" in m && "id" in m;
}

/** The progress token of a `notifications/progress` message. */
export function progressToken(m: Message): unknown {
  return m.method === "notifications/progress" ? (m.params as Message | undefined)?.progressToken : undefined;
}

/** Reads a JSON error body: `{ code, id, hasId }` when the body is a JSON-RPC error, else undefined. */
export async function errorBody(reply: Reply): Promise<{ code: unknown; id: unknown; hasId: boolean } | undefined> {
  const body = await reply.json();
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const m = body as Message;
  if (typeof m.error !== "object" || m.error === null) return undefined;
  return { code: (m.error as Message).code, id: m.id, hasId: "id" in m };
}
