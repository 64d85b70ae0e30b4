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
 * Decodes an SSE byte stream into items, one per dispatched event (plus `retry` and, optionally,
 * comments), as soon as each arrives: nothing waits for the end of the stream.
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
  let lastEventId: string | undefined;
  let pending: SseItem[] = [];
  let failure: Error | undefined;
  const parser = createParser({
    maxBufferSize: options.maxBufferSize ?? 16 * 1024 * 1024,
    onId(id) {
      // Called at dispatch time, right before onEvent when the event has data: onEvent replaces this item.
      lastEventId = id;
      pending.push({ type: "id", id });
    },
    onEvent(message) {
      const last = pending[pending.length - 1];
      if (last?.type === "id" && last.id === message.id) pending.pop();
      if (message.id !== undefined) lastEventId = message.id;
      pending.push({ type: "event", event: message.event, id: message.id, lastEventId, data: message.data });
    },
    onRetry(retry) {
      pending.push({ type: "retry", retry });
    },
    onComment: options.comments
      ? (comment) => {
        pending.push({ type: "comment", comment });
      }
      : undefined,
    onError(error) {
      if (error.type === "max-buffer-size-exceeded") failure = new SseDecodeError(error.message);
    },
  });
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  return new ReadableStream<SseItem>({
    async pull(controller) {
      while (true) {
        if (failure) {
          await reader.cancel(failure).catch(() => {});
          controller.error(failure);
          return;
        }
        if (pending.length > 0) {
          const items = pending;
          pending = [];
          for (const item of items) controller.enqueue(item);
          return;
        }
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        try {
          parser.feed(value);
        } catch (error) {
          failure = error instanceof Error ? new SseDecodeError(error.message) : new SseDecodeError(String(error));
        }
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
