/**
 * The one SSE → JSON-RPC message loop of the HTTP connectors, with upstream stream resumption: when an
 * upstream SSE stream breaks before it is complete (or the server closes it after a priming event, the
 * 2025-11-25 polling pattern), reconnect with GET and `Last-Event-ID`, waiting `retry` ms when the server
 * gave one and backing off exponentially with jitter otherwise (T-RES-02, T-RES-04, T-GET-05). Events
 * already delivered (same event id) are never delivered twice.
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import { parseValue } from "../jsonrpc/parse.ts";
import { decodeSse, type SseItem } from "../sse/decode.ts";
import { backoffDelay, type ResolvedBackoff } from "../kit/backoff.ts";
import { sleep } from "../kit/deadline.ts";
import { type UpstreamMessage, UpstreamSessionLostError, UpstreamUnavailableError } from "./types.ts";

/** Where a logical upstream stream stands: the resumption cursor and the server's `retry`. */
export interface StreamCursor {
  /** The last event id received on this stream (sent as `Last-Event-ID` on reconnection). */
  lastEventId?: string;
  /** The server's last `retry` value, in ms. */
  retryMs?: number;
}

/** The outcome of one reconnection attempt. */
export type Reconnection =
  /** A new SSE body continues the stream. */
  | { type: "stream"; body: ReadableStream<Uint8Array> }
  /** The upstream cannot resume (405, not SSE): the stream ends. */
  | { type: "none" }
  /** The upstream forgot the session (404, T-SESS-06). */
  | { type: "lost"; reason: string }
  /** A transient failure (unreachable, 5xx): try again after a backoff. */
  | { type: "failed"; reason: string };

/** Options of {@linkcode resumableMessages}. */
export interface ResumableMessagesOptions {
  /** The body of the first connection (a POST's SSE response, or the first GET). */
  first: ReadableStream<Uint8Array>;
  /** Largest SSE event, in characters. */
  maxEventSize: number;
  /**
   * `"with-id"`: resume only when an event id was seen (a POST stream: without an id there is nothing to
   * resume, T-RES-02). `"always"`: reconnect even without one (the standalone GET stream).
   */
  resume: "with-id" | "always";
  /** Opens the next connection: a GET with `Last-Event-ID` when `lastEventId` is set. */
  reconnect: (lastEventId: string | undefined, signal: AbortSignal) => Promise<Reconnection>;
  /** Backoff bounds; `maxAttempts` consecutive fruitless connections end the stream with an error. */
  backoff: ResolvedBackoff;
  /** Called once per message; returns `true` when the logical stream is complete (every response arrived). */
  complete?: (message: JsonRpcMessage) => boolean;
  /** Observes reconnections (for logs): attempt number (0-based) and the delay waited, in ms. */
  onReconnect?: (info: { attempt: number; delayMs: number; lastEventId?: string }) => void;
  /** The cursor (pass one to observe it in tests). @default {} */
  cursor?: StreamCursor;
  /** Ends the stream (no more reconnections), e.g. when the connection closes. */
  signal?: AbortSignal;
}

/** Event ids remembered per stream for de-duplication after a resumption. */
const MAX_SEEN_IDS = 10_000;

/**
 * Turns an upstream SSE body into JSON-RPC messages, reconnecting as described in the module doc. Priming
 * events (empty data, T-RES-06), comments and events named other than `message` (T-CT-03) carry no message.
 * A `data` that is not JSON-RPC is skipped.
 *
 * @returns A stream of messages that ends when `complete` says so, when the upstream cannot resume, or when
 * cancelled; it errors with {@linkcode UpstreamSessionLostError} when the upstream forgot the session, and with
 * {@linkcode UpstreamUnavailableError} after `backoff.maxAttempts` consecutive fruitless reconnections.
 * @example
 * ```ts ignore
 * const messages = resumableMessages({ first: response.body!, maxEventSize: 1 << 24, resume: "with-id",
 *   backoff: DEFAULT_BACKOFF, reconnect: (id, signal) => getWithLastEventId(id, signal) });
 * ```
 */
export function resumableMessages(options: ResumableMessagesOptions): ReadableStream<UpstreamMessage> {
  const cursor = options.cursor ?? {};
  const abort = new AbortController();
  const seen = new Set<string>();
  let reader: ReadableStreamDefaultReader<SseItem> | undefined = _open(options.first, options.maxEventSize);
  let failures = 0;
  let progressed = false;
  let finished = false;
  let controllerRef: ReadableStreamDefaultController<UpstreamMessage> | undefined;
  const onAbort = () => {
    if (finished) return;
    finish();
    abort.abort();
    void reader?.cancel().catch(() => {});
    try {
      controllerRef?.close();
    } catch {
      // Already closed.
    }
  };
  /** Marks the stream finished and lets go of the caller's signal (no listener piles up on it). */
  const finish = () => {
    finished = true;
    options.signal?.removeEventListener("abort", onAbort);
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });

  async function next(): Promise<ReadableStreamDefaultReader<SseItem> | undefined> {
    while (true) {
      if (failures >= options.backoff.maxAttempts) {
        throw new UpstreamUnavailableError(
          `The upstream stream could not be resumed after ${failures} attempts`,
        );
      }
      // T-RES-04: the client MUST wait `retry` ms; repeated failures back off further.
      const backoff = backoffDelay(failures, options.backoff);
      const delayMs = cursor.retryMs === undefined
        ? backoff
        : failures === 0
        ? cursor.retryMs
        : Math.max(cursor.retryMs, backoff);
      options.onReconnect?.({
        attempt: failures,
        delayMs,
        ...(cursor.lastEventId !== undefined ? { lastEventId: cursor.lastEventId } : {}),
      });
      await sleep(delayMs, abort.signal);
      if (abort.signal.aborted) return undefined;
      const outcome = await options.reconnect(cursor.lastEventId, abort.signal).catch((error): Reconnection => ({
        type: "failed",
        reason: error instanceof Error ? error.message : String(error),
      }));
      if (abort.signal.aborted) {
        if (outcome.type === "stream") await outcome.body.cancel().catch(() => {});
        return undefined;
      }
      if (outcome.type === "stream") return _open(outcome.body, options.maxEventSize);
      if (outcome.type === "none") return undefined;
      if (outcome.type === "lost") throw new UpstreamSessionLostError(outcome.reason);
      failures++;
    }
  }

  return new ReadableStream<UpstreamMessage>({
    start(controller) {
      controllerRef = controller;
      if (options.signal?.aborted) {
        finish();
        void reader?.cancel().catch(() => {});
        controller.close();
      }
    },
    async pull(controller) {
      while (!finished) {
        if (!reader) {
          try {
            reader = await next();
          } catch (error) {
            finish();
            throw error;
          }
          if (finished) {
            await reader?.cancel().catch(() => {});
            return;
          }
          if (!reader) {
            finish();
            controller.close();
            return;
          }
          continue;
        }
        let result: ReadableStreamReadResult<SseItem>;
        try {
          result = await reader.read();
        } catch {
          result = { done: true, value: undefined };
        }
        if (finished || abort.signal.aborted) return;
        if (result.done) {
          // The connection ended before the stream was complete: resume (T-RES-02) or give up.
          reader = undefined;
          failures = progressed ? 0 : failures + 1;
          progressed = false;
          if (options.resume === "with-id" && cursor.lastEventId === undefined) {
            finish();
            controller.close();
            return;
          }
          continue;
        }
        const item = result.value;
        if (item.type === "retry") {
          cursor.retryMs = item.retry;
          continue;
        }
        if (item.type === "id") {
          // An id-only event (e.g. a priming event without a data line) still moves the resume point.
          cursor.lastEventId = item.id;
          continue;
        }
        if (item.type !== "event") continue;
        progressed = true;
        if (item.id !== undefined) {
          if (seen.has(item.id)) continue;
          cursor.lastEventId = item.id;
          seen.add(item.id);
          if (seen.size > MAX_SEEN_IDS) seen.delete(seen.values().next().value!);
        }
        const messages = _messagesOf(item);
        if (messages.length === 0) continue;
        let complete = false;
        for (const message of messages) {
          controller.enqueue(item.id === undefined ? { message } : { message, eventId: item.id });
          if (options.complete?.(message)) complete = true;
        }
        if (complete) {
          // Every response arrived: the upstream should end the stream (T-POST-07); do not wait for it.
          finish();
          await reader.cancel().catch(() => {});
          controller.close();
        }
        return;
      }
    },
    async cancel(reason) {
      finish();
      abort.abort();
      await reader?.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}

function _open(body: ReadableStream<Uint8Array>, maxEventSize: number): ReadableStreamDefaultReader<SseItem> {
  return decodeSse(body, { maxBufferSize: maxEventSize }).getReader();
}

/** The JSON-RPC messages of one SSE event: none for priming events, other event names or invalid data. */
function _messagesOf(item: Extract<SseItem, { type: "event" }>): JsonRpcMessage[] {
  if (item.data === "") return []; // priming events carry no message (T-RES-06)
  if (item.event !== undefined && item.event !== "message") return [];
  try {
    const parsed = parseValue(JSON.parse(item.data));
    return parsed.ok ? parsed.messages : [];
  } catch {
    return [];
  }
}
