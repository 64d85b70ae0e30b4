/**
 * Response helpers of the downstream endpoints: SSE headers, relaying upstream HTTP answers, small stream
 * utilities.
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import { endToEndHeaders, SESSION_ID_HEADER } from "../protocol/headers.ts";

/** Headers of every SSE response (users.md items 4, 5: no buffering by intermediaries). */
export function sseHeaders(sessionId: string): Headers {
  return new Headers({
    "content-type": "text/event-stream",
    "cache-control": "no-cache, no-transform",
    "x-accel-buffering": "no",
    [SESSION_ID_HEADER]: sessionId,
  });
}

/**
 * Relays an upstream HTTP answer (401 with `WWW-Authenticate`, 400, 404, …) with its status and end-to-end
 * headers; the upstream session id is replaced by the downstream one (or dropped).
 */
export function relay(response: Response, sessionId: string | undefined): Response {
  const headers = endToEndHeaders(response.headers, [SESSION_ID_HEADER]);
  if (sessionId !== undefined) headers.set(SESSION_ID_HEADER, sessionId);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** What kind of body a response has, for exchange reports. */
export function bodyKind(response: Response): "json" | "sse" | "empty" {
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("text/event-stream")) return "sse";
  return response.body === null ? "empty" : "json";
}

/** A finished stream of the given items. */
export function streamOf<T>(items: T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const item of items) controller.enqueue(item);
      controller.close();
    },
  });
}

/** Calls `fn` on each item's message as it passes, without buffering. */
export function tap<T extends { message: JsonRpcMessage }>(
  stream: ReadableStream<T>,
  fn: (m: JsonRpcMessage) => void,
): ReadableStream<T> {
  return stream.pipeThrough(
    new TransformStream<T, T>({
      transform(item, controller) {
        fn(item.message);
        controller.enqueue(item);
      },
    }),
  );
}
