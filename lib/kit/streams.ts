/**
 * Small stream utilities used on every reply path: streams read a batch at a time, a cheap reader loop and a
 * pass-through tap.
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";

/**
 * The pull side of a stream that hands over, in one call, every item it has at hand (the messages of one
 * chunk of an upstream body). Made by {@linkcode batchedStream}, read by {@linkcode batchReader}.
 */
export interface BatchSource<T> {
  /**
   * The next items, at least one; `undefined` at the end.
   * @throws What the stream fails with.
   */
  next(): Promise<T[] | undefined>;
  /** Stops the source: the reader is gone. Safe to call more than once, also after the end. */
  cancel(reason?: unknown): Promise<void>;
}

/** Streams made by {@linkcode batchedStream} → their source, until a {@linkcode batchReader} takes it. */
const batchSources = new WeakMap<ReadableStream<unknown>, BatchSource<unknown>>();

/**
 * A `ReadableStream` over `source`, which a {@linkcode batchReader} reads a batch at a time, past the stream.
 * Each layer of mcpwire's reply path (the upstream SSE reader, the reply watcher, the recovering listener)
 * was a `ReadableStream` read item by item: a read request, a pull and their promises per message and per
 * layer, and a pending read held per layer for as long as a standalone stream is open (on Deno most of the
 * proxy's CPU on a big stream, and ~3–4 KB per layer per open GET stream; bench/profile.mjs,
 * heap_streams.mjs). Read as a stream (by anyone else: a rule's transform, a test) it behaves as any other
 * (`highWaterMark` 0; a failing `next` errors it; cancelling it cancels `source`).
 *
 * @example
 * ```ts
 * import { batchedStream, batchReader } from "./streams.ts";
 * let left = 2;
 * const stream = batchedStream({ next: async () => left-- > 0 ? [1, 2] : undefined, cancel: async () => {} });
 * console.assert((await batchReader(stream).next())?.length === 2);
 * ```
 */
export function batchedStream<T>(source: BatchSource<T>): ReadableStream<T> {
  const stream = new ReadableStream<T>({
    async pull(controller) {
      let items: T[] | undefined;
      // A pull that enqueues nothing is not called again: loop until there is something (or the end).
      do items = await source.next(); while (items?.length === 0);
      if (items === undefined) controller.close();
      else for (const item of items) controller.enqueue(item);
    },
    cancel: (reason) => source.cancel(reason),
  }, { highWaterMark: 0 });
  batchSources.set(stream, source);
  return stream;
}

/**
 * Reads `stream` a batch at a time: its own source when {@linkcode batchedStream} made it (the stream is then
 * locked and never read itself), else through a reader, one item per batch.
 *
 * @throws {TypeError} When `stream` is already locked.
 * @example
 * ```ts
 * import { batchReader } from "./streams.ts";
 * const reader = batchReader(ReadableStream.from(["a"]));
 * console.assert((await reader.next())?.[0] === "a" && (await reader.next()) === undefined);
 * ```
 */
export function batchReader<T>(stream: ReadableStream<T>): BatchSource<T> {
  const own = batchSources.get(stream) as BatchSource<T> | undefined;
  if (own && !stream.locked) {
    batchSources.delete(stream);
    stream.getReader(); // locked: nobody else can read it, and its pull is never called
    return own;
  }
  const reader = stream.getReader();
  return {
    next: async () => {
      const { done, value } = await reader.read();
      return done ? undefined : [value];
    },
    cancel: (reason) => reader.cancel(reason),
  };
}

/**
 * Calls `fn` for each item of `stream`, in order, awaiting it when it returns a promise; a stream made by
 * {@linkcode batchedStream} is read a batch at a time. A plain reader loop rather than `for await`: at its
 * end `for await` releases the reader's lock, and on Deno a release creates an Error (with its stack trace)
 * each time, ~6 µs per stream, on every reply (found by bench/). When `fn` or the stream fails, the stream
 * is cancelled, as `for await` would, and the error is rethrown.
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
  const reader = batchReader(stream);
  try {
    while (true) {
      const items = await reader.next();
      if (items === undefined) return;
      for (const item of items) {
        const pending = fn(item);
        if (pending) await pending;
      }
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

/** Streams whose creator reports their end itself ({@linkcode reportsEnd}) → what to call then. */
const endHooks = new WeakMap<ReadableStream<unknown>, (() => void)[]>();

/**
 * Marks `stream` as one whose creator knows when it ends (closed by it, or cancelled by the reader), so
 * that {@linkcode onStreamEnd} hooks onto it instead of wrapping it in a second stream (found by bench/
 * heap_streams.mjs: the wrapper was a ReadableStream, a reader, a pending read and a suspended `pull` per
 * open GET stream, ~4 KB each on Deno). The creator must call the returned function once the stream has
 * ended; later calls do nothing.
 *
 * @returns The function to call when the stream ended.
 * @example
 * ```ts
 * import { onStreamEnd, reportsEnd } from "./streams.ts";
 * const stream = new ReadableStream<number>();
 * const ended = reportsEnd(stream);
 * let seen = false;
 * console.assert(onStreamEnd(stream, () => (seen = true)) === stream);
 * ended();
 * console.assert(seen);
 * ```
 */
export function reportsEnd<T>(stream: ReadableStream<T>): () => void {
  const hooks: (() => void)[] = [];
  endHooks.set(stream, hooks);
  return () => {
    if (!endHooks.delete(stream)) return;
    for (const hook of hooks) hook();
  };
}

/**
 * Passes `stream` through unchanged (pull by pull, so backpressure holds) and calls `fn` once when it ends:
 * read to its end, failed, or cancelled by its reader. Used to hold a count for as long as a response body
 * is open. A stream marked with {@linkcode reportsEnd} is returned as it is, and `fn` runs when its creator
 * reports the end (for an SSE body: when it is closed or cancelled).
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
  // A stream that reports its own end (reportsEnd) is returned as it is: no second stream per response.
  const hooks = endHooks.get(stream);
  if (hooks) {
    hooks.push(fn);
    return stream;
  }
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
