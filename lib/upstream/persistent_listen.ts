/**
 * The standalone stream of a recovering connection: when the inner stream ends together with its upstream
 * connection (child exit, lost session, unreachable upstream), wait for the recovery and listen again on the
 * new connection, so the client's GET stream never notices (docs/architecture.md "Self-healing"). When a recovery
 * replaces the connection while its stream is still open (the recovery was started by a request), it moves to
 * the new connection at once: the old connection stays open only for the replies still in flight on it.
 *
 * @module
 */
import { sleep } from "../kit/deadline.ts";
import { batchedStream, batchReader, type BatchSource } from "../kit/streams.ts";
import { type UpstreamHttpAnswer, type UpstreamMessage, UpstreamSessionLostError } from "./types.ts";

/** What {@linkcode persistentListen} needs from the connection that owns it. */
export interface ListenSource {
  /** The generation of the current inner connection (it grows with every recovery). */
  generation(): number;
  /** The connection is closed or given up: the stream ends. */
  finished(): boolean;
  /** Whether a recovery may be attempted. */
  canRecover(): boolean;
  /** Recovers from a failure seen on `generation` (rejects when recovery was given up). */
  recover(generation: number, reason: string): Promise<void>;
  /** Resolves once a recovery in progress (if any) is over. */
  settled(): Promise<void> | undefined;
  /** Resolves when the generation has grown past `generation` (at once if it already has). */
  changed(generation: number): Promise<void>;
  /** Opens the standalone stream on the current inner connection. */
  listen(): Promise<ReadableStream<UpstreamMessage> | null | UpstreamHttpAnswer>;
}

/**
 * Follows `first` and its successors across recoveries.
 *
 * @returns A stream that ends only when the connection is finished, when the inner stream ended while its
 * connection stayed healthy (the upstream ended its GET stream for good), or when the new connection has none.
 * @example
 * ```ts ignore
 * const stream = persistentListen(await inner.listen(), source);
 * ```
 */
export function persistentListen(
  first: ReadableStream<UpstreamMessage>,
  source: ListenSource,
): ReadableStream<UpstreamMessage> {
  return batchedStream(new _PersistentListen(first, source));
}

/** The source of {@linkcode persistentListen}: one inner stream after another. */
class _PersistentListen implements BatchSource<UpstreamMessage> {
  #source: ListenSource;
  #reader!: BatchSource<UpstreamMessage>;
  /** The generation of the connection the current reader belongs to. */
  #generation = 0;
  /** Set when a recovery replaced the connection under the current reader (which was cancelled for it). */
  #moved = false;
  #cancelled = false;

  constructor(first: ReadableStream<UpstreamMessage>, source: ListenSource) {
    this.#source = source;
    this.#follow(first);
  }

  /** Reads from the current inner stream, moving on to the next connection's stream when it ends. */
  async next(): Promise<UpstreamMessage[] | undefined> {
    while (!this.#cancelled) {
      let failure: unknown;
      let batch: UpstreamMessage[] | undefined;
      try {
        batch = await this.#reader.next();
      } catch (error) {
        failure = error;
      }
      if (this.#cancelled) return undefined;
      if (batch !== undefined) return batch;
      const next = await this.#successor(failure);
      if (this.#cancelled || next === undefined) return undefined;
      this.#follow(next);
    }
    return undefined;
  }

  async cancel(reason?: unknown): Promise<void> {
    this.#cancelled = true;
    await this.#reader.cancel(reason).catch(() => {});
  }

  #follow(stream: ReadableStream<UpstreamMessage>): void {
    const mine = batchReader(stream);
    this.#reader = mine;
    this.#generation = this.#source.generation();
    this.#moved = false;
    // One watcher per connection (not per read): when a recovery replaces it, let go of its stream at once.
    void this.#source.changed(this.#generation).then(() => {
      if (this.#cancelled || this.#reader !== mine) return;
      this.#moved = true;
      void mine.cancel().catch(() => {});
    });
  }

  /**
   * The current inner stream ended (or failed with `failure`): waits for the recovery, if any, and returns the
   * new connection's stream, or `undefined` when the stream ends (also when cancelled meanwhile).
   */
  async #successor(failure: unknown): Promise<ReadableStream<UpstreamMessage> | undefined> {
    const source = this.#source;
    if (this.#moved) {
      // Replaced by a recovery while the stream was open: straight to the new connection.
    } else if (failure instanceof UpstreamSessionLostError && source.canRecover()) {
      // Only a lost session is worth a re-initialization here; a GET stream that merely cannot be
      // re-established ends (the client may open another), and the next request finds out the rest.
      await source.recover(this.#generation, failure.message).catch(() => {});
    } else {
      // A stdio child closes its output just before it is reported dead: let that report arrive.
      await sleep(10);
    }
    await source.settled();
    if (this.#cancelled) return undefined;
    if (source.finished() || source.generation() === this.#generation) return undefined;
    let next;
    try {
      next = await source.listen();
    } catch {
      next = null;
    }
    if (next === null || "type" in next) {
      if (next) await next.response.body?.cancel().catch(() => {});
      return undefined;
    }
    return next;
  }
}
