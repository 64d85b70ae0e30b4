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
  // The class is the underlying source itself: the stream calls its methods with it as `this`.
  return new ReadableStream<UpstreamMessage>(new _ReplyWatch(messages.getReader(), options), { highWaterMark: 0 });
}

type _Controller = ReadableStreamDefaultController<UpstreamMessage>;

/** The underlying source of {@linkcode watchReply}: the upstream's messages, then errors for what is missing. */
class _ReplyWatch implements UnderlyingDefaultSource<UpstreamMessage> {
  #reader: ReadableStreamDefaultReader<UpstreamMessage>;
  #options: WatchReplyOptions;
  #pending: PendingResponses;
  #done = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the stream last carried a message (`Date.now()`): the timer checks it instead of re-arming per message. */
  #lastActivity = 0;

  constructor(reader: ReadableStreamDefaultReader<UpstreamMessage>, options: WatchReplyOptions) {
    this.#reader = reader;
    this.#options = options;
    this.#pending = new PendingResponses(options.pending);
  }

  start(controller: _Controller): void {
    if (this.#pending.size === 0) {
      this.#done = true;
      this.#options.onSettled?.();
      void this.#reader.cancel().catch(() => {});
      controller.close();
      return;
    }
    this.#lastActivity = Date.now();
    this.#arm(controller, this.#options.timeoutMs);
  }

  /** Relays the next upstream message; ends the stream once every request has its response. */
  async pull(controller: _Controller): Promise<void> {
    if (this.#done) return;
    let result: ReadableStreamReadResult<UpstreamMessage>;
    try {
      result = await this.#reader.read();
    } catch (error) {
      if (this.#done) return;
      this.#options.onFailure?.(error);
      const why = error instanceof Error ? error.message : "The upstream stream failed";
      this.#finish(controller, ErrorCode.UpstreamError, why);
      return;
    }
    if (this.#done) return;
    if (result.done) {
      this.#finish(controller, ErrorCode.UpstreamError, "The upstream ended the stream without a response");
      return;
    }
    this.#lastActivity = Date.now();
    const message = result.value.message;
    controller.enqueue(result.value);
    this.#pending.settle(message);
    if (this.#pending.size === 0) {
      this.#done = true;
      clearTimeout(this.#timer);
      this.#options.onSettled?.();
      controller.close();
      void this.#reader.cancel().catch(() => {});
    }
  }

  async cancel(reason: unknown): Promise<void> {
    if (!this.#done) this.#options.onSettled?.();
    this.#done = true;
    clearTimeout(this.#timer);
    await this.#reader.cancel(reason).catch(() => {});
  }

  /** Ends the stream with an error (`code`, `why`) for every request still without a response. */
  #finish(controller: _Controller, code: number, why: string): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    this.#options.onSettled?.();
    for (const message of this.#pending.fail(code, why)) controller.enqueue({ message });
    try {
      controller.close();
    } catch {
      // The reader went away.
    }
    void this.#reader.cancel().catch(() => {});
  }

  /** (Re)starts the silence timer (no timer when `timeoutMs` is 0). */
  /** One timer per reply, not per message: when it fires early (messages came meanwhile) it waits the rest. */
  #arm(controller: _Controller, delayMs: number): void {
    if (this.#options.timeoutMs <= 0) return;
    this.#timer = setTimeout(() => {
      if (this.#done) return;
      const quietMs = Date.now() - this.#lastActivity;
      if (quietMs >= this.#options.timeoutMs) this.#timeOut(controller);
      else this.#arm(controller, this.#options.timeoutMs - quietMs);
    }, delayMs);
  }

  #timeOut(controller: _Controller): void {
    const ids = [...this.#pending];
    const why = `The request timed out after ${this.#options.timeoutMs} ms without a response or progress`;
    this.#finish(controller, ErrorCode.RequestTimeout, why);
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
