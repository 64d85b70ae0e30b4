/**
 * Watching the reply of a request on its way back from the upstream: every request gets exactly one
 * response. A request whose reply stream ends or breaks without its response gets a JSON-RPC error (never a
 * hang, docs/field-notes.md item 15), and, with a request timeout, a request that hears nothing for that long gets a
 * timeout error while the upstream gets `notifications/cancelled` (docs/field-notes.md item 6: progress resets the clock).
 *
 * @module
 */
import type { JsonRpcId, JsonRpcNotification } from "../jsonrpc/types.ts";
import { ErrorCode } from "../jsonrpc/types.ts";
import { PendingResponses } from "../kit/pending.ts";
import { batchedStream, batchReader, type BatchSource } from "../kit/streams.ts";
import type { UpstreamMessage } from "./types.ts";

/** Options of {@linkcode watchReply}. */
export interface WatchReplyOptions {
  /** The ids of the requests whose responses the stream carries. */
  pending: Iterable<JsonRpcId>;
  /** Silence after which the requests time out, in ms (any message on the stream resets it); 0 never. */
  timeoutMs: number;
  /** Sends `notifications/cancelled` upstream for a timed-out request (errors are ignored). */
  cancel: (notification: JsonRpcNotification) => Promise<void>;
  /** Told when the upstream stream failed with an error (before the pending requests get theirs). */
  onFailure?: (error: unknown) => void;
  /** Told when a request timed out. */
  onTimeout?: (id: JsonRpcId) => void;
  /**
   * Called once when the reply is over: every response arrived (or was made up), or the reader cancelled.
   * (A stream layer of its own for this cost a promise round per message on Deno, found by bench/profile.mjs.)
   */
  onSettled?: () => void;
}

/**
 * Wraps a reply stream as described in the module doc.
 *
 * @returns A stream that carries the upstream's messages and, for every request left without a response when
 * the upstream stream ends, fails or times out, a JSON-RPC error (`-32003` upstream error, `-32004` timeout).
 * @example
 * ```ts ignore
 * const watched = watchReply(reply.messages, { pending: [1], timeoutMs: 30_000, cancel: (n) => send(n) });
 * ```
 */
export function watchReply(
  messages: ReadableStream<UpstreamMessage>,
  options: WatchReplyOptions,
): ReadableStream<UpstreamMessage> {
  return batchedStream(new _ReplyWatch(batchReader(messages), options));
}

/** The source of {@linkcode watchReply}: the upstream's messages, then errors for what is missing. */
class _ReplyWatch implements BatchSource<UpstreamMessage> {
  #inner: BatchSource<UpstreamMessage>;
  #options: WatchReplyOptions;
  #pending: PendingResponses;
  #done = false;
  /** The errors made up for requests left without a response, handed over by the next `next`. */
  #made: UpstreamMessage[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the stream last carried a message (`Date.now()`): the timer checks it instead of re-arming per message. */
  #lastActivity = 0;

  constructor(inner: BatchSource<UpstreamMessage>, options: WatchReplyOptions) {
    this.#inner = inner;
    this.#options = options;
    this.#pending = new PendingResponses(options.pending);
    if (this.#pending.size === 0) {
      this.#done = true;
      this.#options.onSettled?.();
      void inner.cancel().catch(() => {});
      return;
    }
    this.#lastActivity = Date.now();
    this.#arm(this.#options.timeoutMs);
  }

  /** Relays the upstream's next messages; ends once every request has its response. */
  async next(): Promise<UpstreamMessage[] | undefined> {
    if (this.#done) return this.#takeMade();
    let batch: UpstreamMessage[] | undefined;
    try {
      batch = await this.#inner.next();
    } catch (error) {
      if (this.#done) return this.#takeMade();
      this.#options.onFailure?.(error);
      const why = error instanceof Error ? error.message : "The upstream stream failed";
      this.#finish(ErrorCode.UpstreamError, why);
      return this.#takeMade();
    }
    // Timed out meanwhile (the timer cancelled the inner stream): the errors it made go out now.
    if (this.#done) return this.#takeMade();
    if (batch === undefined) {
      this.#finish(ErrorCode.UpstreamError, "The upstream ended the stream without a response");
      return this.#takeMade();
    }
    this.#lastActivity = Date.now();
    for (let i = 0; i < batch.length; i++) {
      this.#pending.settle(batch[i]!.message);
      if (this.#pending.size > 0) continue;
      // Every response arrived: what follows in the batch is not part of this reply.
      this.#done = true;
      clearTimeout(this.#timer);
      this.#options.onSettled?.();
      void this.#inner.cancel().catch(() => {});
      return i === batch.length - 1 ? batch : batch.slice(0, i + 1);
    }
    return batch;
  }

  async cancel(reason?: unknown): Promise<void> {
    if (!this.#done) this.#options.onSettled?.();
    this.#done = true;
    this.#made = [];
    clearTimeout(this.#timer);
    await this.#inner.cancel(reason).catch(() => {});
  }

  /** The made-up errors not yet handed over; `undefined` once there are none (the end). */
  #takeMade(): UpstreamMessage[] | undefined {
    const made = this.#made;
    if (made.length === 0) return undefined;
    this.#made = [];
    return made;
  }

  /** Ends the reply with an error (`code`, `why`) for every request still without a response. */
  #finish(code: number, why: string): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    this.#options.onSettled?.();
    for (const message of this.#pending.fail(code, why)) this.#made.push({ message });
    void this.#inner.cancel().catch(() => {});
  }

  /**
   * (Re)starts the silence timer (no timer when `timeoutMs` is 0). One timer per reply, not per message:
   * when it fires early (messages came meanwhile) it waits the rest.
   */
  #arm(delayMs: number): void {
    if (this.#options.timeoutMs <= 0) return;
    this.#timer = setTimeout(() => {
      if (this.#done) return;
      const quietMs = Date.now() - this.#lastActivity;
      if (quietMs >= this.#options.timeoutMs) this.#timeOut();
      else this.#arm(this.#options.timeoutMs - quietMs);
    }, delayMs);
  }

  /**
   * The reply timed out: its errors are made, and the inner stream is cancelled, which ends a `next` waiting
   * on it; the upstream gets `notifications/cancelled` for each request.
   */
  #timeOut(): void {
    const ids = [...this.#pending];
    const why = `The request timed out after ${this.#options.timeoutMs} ms without a response or progress`;
    this.#finish(ErrorCode.RequestTimeout, why);
    for (const id of ids) {
      this.#options.onTimeout?.(id);
      void this.#options.cancel({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: id, reason: why },
      }).catch(() => {});
    }
  }
}
