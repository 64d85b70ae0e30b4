/**
 * Small stream utilities used on every reply path: a cheap reader loop and a pass-through tap.
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";

/**
 * Calls `fn` for each item of `stream`, in order, awaiting it when it returns a promise. A plain reader
 * loop rather than `for await`: at its end `for await` releases the reader's lock, and on Deno a release
 * creates an Error (with its stack trace) each time, ~6 µs per stream, on every reply (found by bench/).
 * When `fn` or the stream fails, the stream is cancelled, as `for await` would, and the error is rethrown.
 *
 * @example
 * ```ts
 * import { forEachItem } from "./streams.ts";
 * const seen: number[] = [];
 * await forEachItem(ReadableStream.from([1, 2]), (n) => void seen.push(n));
 * console.assert(seen.length === 2);
 * ```
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

/**
 * Calls `fn` on each item's message as it passes, without buffering.
 *
 * @example
 * ```ts ignore
 * const watched = tap(reply.messages, (m) => console.log("passing", m));
 * ```
 */
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

/**
 * Passes `stream` through unchanged (pull by pull, so backpressure holds) and calls `fn` once when it ends:
 * read to its end, failed, or cancelled by its reader. Used to hold a count for as long as a response body
 * is open.
 *
 * @example
 * ```ts
 * import { onStreamEnd } from "./streams.ts";
 * let ended = false;
 * await new Response(onStreamEnd(ReadableStream.from([new Uint8Array(1)]), () => (ended = true))).arrayBuffer();
 * console.assert(ended);
 * ```
 */
export function onStreamEnd<T>(stream: ReadableStream<T>, fn: () => void): ReadableStream<T> {
  const reader = stream.getReader();
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    fn();
  };
  return new ReadableStream<T>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) {
          end();
          controller.close();
        } else controller.enqueue(next.value);
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    async cancel(reason) {
      end();
      await reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}
