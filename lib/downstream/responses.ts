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

/**
 * Calls `fn` for each item of `stream`, in order, awaiting it when it returns a promise. A plain reader
 * loop rather than `for await`: at its end `for await` releases the reader's lock, and on Deno a release
 * creates an Error (with its stack trace) each time, ~6 µs per stream, on every reply (found by bench/).
 * When `fn` or the stream fails, the stream is cancelled, as `for await` would, and the error is rethrown.
 */
export async function forEachItem<T>(stream: ReadableStream<T>, fn: (item: T) => void | Promise<void>): Promise<void> {
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      const pending = fn(value);
      if (pending) await pending;
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
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
