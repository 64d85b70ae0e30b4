/**
 * The standalone stream of a recovering connection: when the inner stream ends together with its upstream
 * connection (child exit, lost session, unreachable upstream), wait for the recovery and listen again on the
 * new connection, so the client's GET stream never notices (design.md "Self-healing").
 *
 * @module
 */
import { sleep } from "../kit/deadline.ts";
import { type UpstreamMessage, UpstreamSessionLostError } from "./types.ts";

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
  /** Opens the standalone stream on the current inner connection. */
  listen(): Promise<ReadableStream<UpstreamMessage> | null | { type: "http"; response: Response }>;
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
  let reader = first.getReader();
  let generation = source.generation();
  let cancelled = false;
  return new ReadableStream<UpstreamMessage>({
    pull: async (controller) => {
      while (!cancelled) {
        let failure: unknown;
        let result: ReadableStreamReadResult<UpstreamMessage> | undefined;
        try {
          result = await reader.read();
        } catch (error) {
          failure = error;
        }
        if (cancelled) return;
        if (result && !result.done) {
          controller.enqueue(result.value);
          return;
        }
        if (failure instanceof UpstreamSessionLostError && source.canRecover()) {
          // Only a lost session is worth a re-initialization here; a GET stream that merely cannot be
          // re-established ends (the client may open another), and the next request finds out the rest.
          await source.recover(generation, failure.message).catch(() => {});
        } else {
          // A stdio child closes its output just before it is reported dead: let that report arrive.
          await sleep(10);
        }
        await source.settled();
        if (cancelled) return;
        if (source.finished() || source.generation() === generation) {
          controller.close();
          return;
        }
        let next;
        try {
          next = await source.listen();
        } catch {
          next = null;
        }
        if (next === null || "type" in next) {
          if (next) await next.response.body?.cancel().catch(() => {});
          controller.close();
          return;
        }
        reader = next.getReader();
        generation = source.generation();
      }
    },
    cancel: async (reason) => {
      cancelled = true;
      await reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}
