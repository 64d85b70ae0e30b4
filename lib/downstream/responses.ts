/**
 * Response helpers of the downstream endpoints: SSE headers, relaying upstream HTTP answers, body kinds.
 *
 * @module
 */
import { endToEndHeaders, SESSION_ID_HEADER } from "../protocol/headers.ts";

/**
 * Headers of every SSE response (docs/field-notes.md items 4, 5: no buffering by intermediaries;
 * `X-Accel-Buffering: no` is T-POST-13 in 2026-07-28), with the session id when there is a session. A plain
 * record: `Response` copies it once (a `Headers` built here was one more copy per response).
 *
 * @example
 * ```ts
 * import { sseHeaders } from "./responses.ts";
 * const response = new Response("", { headers: sseHeaders("s1") });
 * console.assert(response.headers.get("mcp-session-id") === "s1");
 * ```
 */
export function sseHeaders(sessionId: string | undefined): Record<string, string> {
  if (sessionId === undefined) return { ...SSE_HEADERS };
  return { ...SSE_HEADERS, [SESSION_ID_HEADER]: sessionId };
}

const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};

/**
 * Relays an upstream HTTP answer (401 with `WWW-Authenticate`, 400, 404, …) with its status and end-to-end
 * headers; the upstream session id is replaced by the downstream one (or dropped).
 */
export function relay(response: Response, sessionId: string | undefined): Response {
  const headers = endToEndHeaders(response.headers, [SESSION_ID_HEADER]);
  if (sessionId !== undefined) headers.set(SESSION_ID_HEADER, sessionId);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * What kind of body a response has, for exchange reports: by its Content-Type, which every body mcpwire
 * sends has (a body without one counts as empty). Reading `response.body` instead would turn a string
 * body into a ReadableStream on Deno, on every exchange (found by bench/).
 */
export function bodyKind(response: Response): "json" | "sse" | "empty" {
  const type = response.headers.get("content-type");
  if (type === null) return "empty";
  return type.startsWith("text/event-stream") ? "sse" : "json";
}
