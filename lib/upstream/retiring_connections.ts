/**
 * The inner connections a resilient connection has replaced: a recovery retires the old one instead of
 * closing it, so replies still streaming on it are delivered (or fail on their own, each with its own error)
 * rather than cut (design.md "Self-healing"). A retired connection is closed once its last reply is over.
 *
 * @module
 */
import type { UpstreamConnection } from "./types.ts";

/**
 * Counts the replies in flight per inner connection and closes each retired connection when it is idle.
 *
 * @example
 * ```ts ignore
 * const connections = new RetiringConnections();
 * const release = connections.hold(inner); // a reply starts streaming on `inner`
 * connections.retire(inner); // a recovery replaced it: still open
 * release(); // the reply is over: `inner` is closed now
 * ```
 */
export class RetiringConnections {
  #retired = new WeakSet<UpstreamConnection>();
  /** Replies still streaming, per inner connection (a retired connection is closed when its count is 0). */
  #inflight = new Map<UpstreamConnection, number>();
  /** Retired connections that still carry replies; closed when those are over, or by `closeDraining`. */
  #draining = new Set<UpstreamConnection>();

  /** Marks `inner` busy with one more reply; the returned function (idempotent) says that reply is over. */
  hold(inner: UpstreamConnection): () => void {
    this.#inflight.set(inner, (this.#inflight.get(inner) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#inflight.get(inner) ?? 1) - 1;
      if (left > 0) {
        this.#inflight.set(inner, left);
        return;
      }
      this.#inflight.delete(inner);
      if (this.#draining.delete(inner)) void inner.close().catch(() => {});
    };
  }

  /**
   * Retires `inner` (a recovery replaced it): closed at once when idle, otherwise once its last reply is over.
   * Closing it earlier would cut replies the upstream may still deliver (its close ends every stream).
   */
  retire(inner: UpstreamConnection): void {
    this.#retired.add(inner);
    if (this.#inflight.has(inner)) this.#draining.add(inner);
    else void inner.close().catch(() => {});
  }

  /** Marks `inner` retired without closing it (the caller closes it): its end no longer triggers a recovery. */
  markRetired(inner: UpstreamConnection): void {
    this.#retired.add(inner);
  }

  /** Whether `inner` was retired (or marked so). */
  isRetired(inner: UpstreamConnection): boolean {
    return this.#retired.has(inner);
  }

  /** Closes every retired connection still draining (at give-up and close: nothing more will be read). */
  closeDraining(): void {
    for (const inner of this.#draining) void inner.close().catch(() => {});
    this.#draining.clear();
  }
}
