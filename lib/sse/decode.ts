/**
 * The SSE decoder: turns a `text/event-stream` body into events, with eventsource-parser doing the
 * parsing (never hand-parsed) and a buffer limit so a hostile stream cannot grow memory without bound.
 *
 * @module
 */
import { createParser } from "../deps.ts";

/** One decoded item of an SSE stream. */
export type SseItem =
  /** A dispatched event. `lastEventId` is the stream's last event id after this event (ids persist). */
  | { type: "event"; event: string | undefined; id: string | undefined; lastEventId: string | undefined; data: string }
  /**
   * An event that set an id but carried no `data:` line: not dispatched (SSE §9.2.6), but it moves the
   * resumption cursor (`Last-Event-ID`) all the same.
   */
  | { type: "id"; id: string }
  /** A `retry:` field: the reconnection delay the server asks for, in ms. */
  | { type: "retry"; retry: number }
  /** A comment line (keep-alive). */
  | { type: "comment"; comment: string };

/** Options for {@linkcode decodeSse}. */
export interface DecodeOptions {
  /** Largest event, in characters, that may be buffered before the stream errors. @default 16_777_216 (16 Mi) */
  maxBufferSize?: number;
  /** Report comment lines as items. @default false */
  comments?: boolean;
}

/** The error a decoded stream fails with when an event outgrows the buffer limit. */
export class SseDecodeError extends Error {
  override name = "SseDecodeError";
}

/**
 * Reads an SSE byte stream batch by batch: each {@linkcode SseBatchReader.next} reads one chunk of the body and
 * returns the items it completed (often several events per chunk, sometimes none). No Web stream sits between
 * the body and the caller: on Deno every stream layer is JavaScript, and a layer per event cost more than the
 * parsing (found by bench/profile.mjs: the decoder's stream and the reader above it were ~30 % of the proxy's
 * CPU on a stream of 1 KB events).
 *
 * @example
 * ```ts
 * import { SseBatchReader } from "./decode.ts";
 * const reader = new SseBatchReader(new Response("id: 7\ndata: {}\n\ndata: 2\n\n").body!);
 * const batch = await reader.next();
 * console.assert(batch?.length === 2 && batch[0]!.type === "event");
 * ```
 */
export class SseBatchReader {
  #chunks: { read(): Promise<Uint8Array | undefined>; cancel(reason?: unknown): Promise<void> };
  #decoder = new TextDecoder();
  #parser: ReturnType<typeof createParser>;
  #pending: SseItem[] = [];
  #failure: Error | undefined;
  #lastEventId: string | undefined;

  /**
   * @param body The response body.
   * @param options Buffer limit and whether to report comments.
   */
  constructor(body: ReadableStream<Uint8Array>, options: DecodeOptions = {}) {
    this.#chunks = _chunkReader(body);
    const maxBufferSize = options.maxBufferSize ?? 16 * 1024 * 1024;
    this.#parser = createParser({
      maxBufferSize,
      onId: (id) => {
        // Called at dispatch time, right before onEvent when the event has data: onEvent replaces this item.
        this.#lastEventId = id;
        this.#pending.push({ type: "id", id });
      },
      onEvent: (message) => {
        // The parser checks its buffer between chunks only: an event that arrived whole in one chunk (Bun's
        // fetch reads large ones at once) is held to the same limit here.
        if (message.data.length > maxBufferSize) {
          this.#failure ??= new SseDecodeError(
            `An event of ${message.data.length} characters exceeds ${maxBufferSize}`,
          );
          return;
        }
        const pending = this.#pending;
        const last = pending[pending.length - 1];
        if (last?.type === "id" && last.id === message.id) pending.pop();
        if (message.id !== undefined) this.#lastEventId = message.id;
        pending.push({
          type: "event",
          event: message.event,
          id: message.id,
          lastEventId: this.#lastEventId,
          data: message.data,
        });
      },
      onRetry: (retry) => void this.#pending.push({ type: "retry", retry }),
      onComment: options.comments ? (comment) => void this.#pending.push({ type: "comment", comment }) : undefined,
      onError: (error) => {
        if (error.type === "max-buffer-size-exceeded") this.#failure = new SseDecodeError(error.message);
      },
    });
  }

  /**
   * The items of the next chunk of the body: an empty array when the chunk completed none.
   *
   * @returns `undefined` at the end of the body.
   * @throws {SseDecodeError} When an event outgrows the buffer limit (the body is cancelled first); a failing
   * body's error as it is.
   */
  async next(): Promise<SseItem[] | undefined> {
    if (this.#failure) return await this.#fail(this.#failure);
    const chunk = await this.#chunks.read();
    if (chunk === undefined) return undefined;
    try {
      this.#parser.feed(this.#decoder.decode(chunk, { stream: true }));
    } catch (error) {
      this.#failure = new SseDecodeError(error instanceof Error ? error.message : String(error));
    }
    // An overflow fails the stream at once: nothing of the chunk that overflowed is delivered.
    if (this.#failure) return await this.#fail(this.#failure);
    const items = this.#pending;
    this.#pending = [];
    return items;
  }

  /** Cancels the body. */
  cancel(reason?: unknown): Promise<void> {
    return this.#chunks.cancel(reason);
  }

  async #fail(failure: Error): Promise<never> {
    await this.#chunks.cancel(failure).catch(() => {});
    throw failure;
  }
}

/**
 * Decodes an SSE byte stream into items, one per dispatched event (plus `retry` and, optionally,
 * comments), as soon as each arrives: nothing waits for the end of the stream. (A stream over
 * {@linkcode SseBatchReader}; read the batches directly on a hot path.)
 *
 * @param body The response body.
 * @param options Buffer limit and whether to report comments.
 * @returns A stream of items. It errors with {@linkcode SseDecodeError} on a buffer overflow; cancelling it
 * cancels `body`.
 * @example
 * ```ts
 * import { decodeSse } from "./decode.ts";
 * const body = new Response("id: 7\ndata: {}\n\n").body!;
 * for await (const item of decodeSse(body)) console.assert(item.type === "event" && item.id === "7");
 * ```
 */
export function decodeSse(body: ReadableStream<Uint8Array>, options: DecodeOptions = {}): ReadableStream<SseItem> {
  const reader = new SseBatchReader(body, options);
  return new ReadableStream<SseItem>({
    async pull(controller) {
      while (true) {
        let items: SseItem[] | undefined;
        try {
          items = await reader.next();
        } catch (error) {
          controller.error(error);
          return;
        }
        if (items === undefined) {
          controller.close();
          return;
        }
        if (items.length === 0) continue;
        for (const item of items) controller.enqueue(item);
        return;
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** Smallest and largest read buffer of {@linkcode _chunkReader}, in bytes. */
const MIN_READ = 1024;
const MAX_READ = 64 * 1024;
/** Consecutive reads under a quarter of the read buffer after which {@linkcode _chunkReader} halves it. */
const SHRINK_AFTER = 8;

/**
 * Reads `body` chunk by chunk. Byte streams (Deno's fetch bodies) are read with a BYOB reader into one
 * reused buffer that starts at 1 KiB and doubles while reads fill it (up to 64 KiB), halving again after
 * several reads that use under a quarter of it: an idle stream (a standalone GET stream waiting for a notification) then pins 1 KiB instead
 * of the 64 KiB a default reader allocates per pending read. Each chunk is only valid until the next read.
 */
function _chunkReader(body: ReadableStream<Uint8Array>): {
  read(): Promise<Uint8Array | undefined>;
  cancel(reason?: unknown): Promise<void>;
} {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream (Bun's fetch bodies, plain ReadableStreams): read as it comes.
  }
  if (!byob) {
    const reader = body.getReader();
    return {
      read: async () => {
        const { done, value } = await reader.read();
        return done ? undefined : value;
      },
      cancel: (reason) => reader.cancel(reason),
    };
  }
  const bytes = byob;
  let buffer = new ArrayBuffer(MIN_READ);
  // Consecutive reads that used under a quarter of the buffer: it shrinks only after SHRINK_AFTER of them.
  // Shrinking after one made the size swing with every event a little over a buffer (a full read, then its
  // remainder): two reads and a new zeroed buffer per event (found by bench/profile.mjs: 527 bytes a read
  // for 1 KB events on Deno).
  let small = 0;
  return {
    read: async () => {
      const { done, value } = await bytes.read(new Uint8Array(buffer));
      if (done || !value) return undefined;
      const size = value.buffer.byteLength;
      small = value.byteLength < size / 4 ? small + 1 : 0;
      if (value.byteLength === size && size < MAX_READ) buffer = new ArrayBuffer(size * 2);
      else if (small >= SHRINK_AFTER && size > MIN_READ) {
        buffer = new ArrayBuffer(size / 2);
        small = 0;
      } else buffer = value.buffer as ArrayBuffer;
      return value;
    },
    cancel: (reason) => bytes.cancel(reason),
  };
}
