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
import { SseBatchReader, SseDecodeError, type SseItem } from "../sse/decode.ts";
import { backoffDelay, type ResolvedBackoff } from "../kit/backoff.ts";
import { sleep } from "../kit/deadline.ts";
import { batchedStream, type BatchSource } from "../kit/streams.ts";
import {
  UpstreamEventTooLargeError,
  type UpstreamMessage,
  UpstreamSessionLostError,
  UpstreamUnavailableError,
} from "./types.ts";

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
  /** Told when an event was over `maxEventSize` (the stream then errors with `UpstreamEventTooLargeError`). */
  onEventTooLarge?: () => void;
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
  return batchedStream(new _ResumableSource(options));
}

/**
 * The source of {@linkcode resumableMessages}: one SSE connection after another, every message of one chunk
 * of the upstream's body in one batch.
 */
class _ResumableSource implements BatchSource<UpstreamMessage> {
  #options: ResumableMessagesOptions;
  #cursor: StreamCursor;
  #abort = new AbortController();
  #seen = new Set<string>();
  /** The current connection's events, a chunk's worth at a time; `undefined` between connections. */
  #reader: SseBatchReader | undefined;
  /** Consecutive fruitless connections. */
  #failures = 0;
  /** Whether the current connection delivered an event (it then resets `#failures`). */
  #progressed = false;
  #finished = false;

  constructor(options: ResumableMessagesOptions) {
    this.#options = options;
    this.#cursor = options.cursor ?? {};
    this.#reader = _open(options.first, options.maxEventSize);
    if (options.signal?.aborted) {
      this.#finish();
      void this.#reader.cancel().catch(() => {});
    } else options.signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** The caller's signal ended the stream: a read in progress ends (the upstream body is cancelled). */
  #onAbort = () => {
    if (this.#finished) return;
    this.#finish();
    this.#abort.abort();
    void this.#reader?.cancel().catch(() => {});
  };

  /** Marks the stream finished and lets go of the caller's signal (no listener piles up on it). */
  #finish(): void {
    this.#finished = true;
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
  }

  /**
   * Reads events (across connections) until some carry messages, or the stream ends: every message of one
   * chunk of the upstream's body at once; backpressure holds, a chunk at a time.
   * @throws {UpstreamEventTooLargeError} When an event is over the limit.
   * @throws {UpstreamSessionLostError} / {UpstreamUnavailableError} When the stream cannot be resumed.
   */
  async next(): Promise<UpstreamMessage[] | undefined> {
    while (!this.#finished) {
      if (!this.#reader) {
        if (!await this.#reopen()) return undefined;
        continue;
      }
      let items: SseItem[] | undefined;
      try {
        items = await this.#reader.next();
      } catch (error) {
        // An event over the limit: resuming would fetch it again, so the stream ends here, with a reason.
        if (error instanceof SseDecodeError && !this.#finished) this.#tooLarge();
        items = undefined;
      }
      if (this.#finished || this.#abort.signal.aborted) return undefined;
      if (items === undefined) {
        if (!this.#connectionEnded()) return undefined;
        continue;
      }
      const out: UpstreamMessage[] = [];
      for (const item of items) {
        this.#deliver(item, out);
        if (this.#finished) {
          // Every response arrived: the upstream should end the stream (T-POST-07); do not wait for it.
          await this.#reader?.cancel().catch(() => {});
          return out;
        }
      }
      if (out.length > 0) return out;
    }
    return undefined;
  }

  /** Ends the stream with {@linkcode UpstreamEventTooLargeError} (thrown). */
  #tooLarge(): never {
    this.#finish();
    this.#abort.abort();
    void this.#reader?.cancel().catch(() => {});
    this.#options.onEventTooLarge?.();
    throw new UpstreamEventTooLargeError(
      `An SSE event from the upstream was larger than ${this.#options.maxEventSize} characters ` +
        "(--max-upstream-event-bytes); the answer was dropped",
    );
  }

  async cancel(reason?: unknown): Promise<void> {
    this.#finish();
    this.#abort.abort();
    await this.#reader?.cancel(reason).catch(() => {});
  }

  /** Opens the next connection; `false` when the stream is over (rejects when it failed). */
  async #reopen(): Promise<boolean> {
    try {
      this.#reader = await this.#next();
    } catch (error) {
      this.#finish();
      throw error;
    }
    if (this.#finished) {
      await this.#reader?.cancel().catch(() => {});
      return false;
    }
    if (!this.#reader) {
      this.#finish();
      return false;
    }
    return true;
  }

  /** The connection ended before the stream was complete: `true` to resume (T-RES-02), `false` when over. */
  #connectionEnded(): boolean {
    this.#reader = undefined;
    this.#failures = this.#progressed ? 0 : this.#failures + 1;
    this.#progressed = false;
    if (this.#options.resume === "with-id" && this.#cursor.lastEventId === undefined) {
      this.#finish();
      return false;
    }
    return true;
  }

  /** Takes in one SSE item, adding its messages to `out`. Finishes the stream when it is complete. */
  #deliver(item: SseItem, out: UpstreamMessage[]): void {
    if (item.type === "retry") {
      this.#cursor.retryMs = item.retry;
      return;
    }
    if (item.type === "id") {
      // An id-only event (e.g. a priming event without a data line) still moves the resume point.
      this.#cursor.lastEventId = item.id;
      return;
    }
    if (item.type !== "event") return;
    this.#progressed = true;
    if (item.id !== undefined) {
      if (this.#seen.has(item.id)) return;
      this.#cursor.lastEventId = item.id;
      this.#seen.add(item.id);
      if (this.#seen.size > MAX_SEEN_IDS) this.#seen.delete(this.#seen.values().next().value!);
    }
    const parsed = _messagesOf(item);
    if (parsed === undefined) return;
    const messages = parsed.messages;
    let complete = false;
    // One message per event (not a batch): its text as the upstream sent it goes along (no re-serialising).
    const data = parsed.batch ? undefined : item.data;
    for (const message of messages) {
      const one: UpstreamMessage = { message };
      if (item.id !== undefined) one.eventId = item.id;
      if (data !== undefined) one.data = data;
      out.push(one);
      if (this.#options.complete?.(message)) complete = true;
    }
    if (complete) this.#finish();
  }

  /** Reconnects until a connection continues the stream; `undefined` when there is none or the stream ended. */
  async #next(): Promise<SseBatchReader | undefined> {
    const options = this.#options;
    while (true) {
      if (this.#failures >= options.backoff.maxAttempts) {
        throw new UpstreamUnavailableError(
          `The upstream stream could not be resumed after ${this.#failures} attempts`,
        );
      }
      const delayMs = this.#delayMs();
      options.onReconnect?.({
        attempt: this.#failures,
        delayMs,
        ...(this.#cursor.lastEventId !== undefined ? { lastEventId: this.#cursor.lastEventId } : {}),
      });
      await sleep(delayMs, this.#abort.signal);
      if (this.#abort.signal.aborted) return undefined;
      const outcome = await this.#reconnect();
      if (this.#abort.signal.aborted) {
        if (outcome.type === "stream") await outcome.body.cancel().catch(() => {});
        return undefined;
      }
      if (outcome.type === "stream") return _open(outcome.body, options.maxEventSize);
      if (outcome.type === "none") return undefined;
      if (outcome.type === "lost") throw new UpstreamSessionLostError(outcome.reason);
      this.#failures++;
    }
  }

  /** One reconnection attempt; a rejection counts as a transient failure. */
  #reconnect(): Promise<Reconnection> {
    return this.#options.reconnect(this.#cursor.lastEventId, this.#abort.signal).catch((error): Reconnection => ({
      type: "failed",
      reason: error instanceof Error ? error.message : String(error),
    }));
  }

  /** T-RES-04: the client MUST wait `retry` ms; repeated failures back off further. */
  #delayMs(): number {
    const backoff = backoffDelay(this.#failures, this.#options.backoff);
    const retryMs = this.#cursor.retryMs;
    if (retryMs === undefined) return backoff;
    return this.#failures === 0 ? retryMs : Math.max(retryMs, backoff);
  }
}

function _open(body: ReadableStream<Uint8Array>, maxEventSize: number): SseBatchReader {
  return new SseBatchReader(body, { maxBufferSize: maxEventSize });
}

/**
 * The JSON-RPC messages of one SSE event, parsed once (the only parse of a streamed message in mcpwire):
 * `undefined` for priming events, other event names or invalid data.
 */
function _messagesOf(
  item: Extract<SseItem, { type: "event" }>,
): { messages: JsonRpcMessage[]; batch: boolean } | undefined {
  if (item.data === "") return undefined; // priming events carry no message (T-RES-06)
  if (item.event !== undefined && item.event !== "message") return undefined;
  try {
    const parsed = parseValue(JSON.parse(item.data));
    return parsed.ok && parsed.messages.length > 0 ? parsed : undefined;
  } catch {
    return undefined;
  }
}
