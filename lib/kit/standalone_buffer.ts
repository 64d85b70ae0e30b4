/**
 * The buffered standalone stream: server messages that arrive while nobody listens are kept (bounded; the
 * oldest go first) and handed to the next listener, then live ones follow. A new listener replaces the old
 * one (field notes item 8: a second GET must replace the first cleanly, never crash). Used by every upstream
 * that has one pipe for everything: a stdio child, the legacy HTTP+SSE stream, injected messages, a tape.
 *
 * @module
 */

/**
 * A bounded buffer in front of one listener at a time.
 *
 * @example
 * ```ts
 * import { StandaloneBuffer } from "./standalone_buffer.ts";
 * const buffer = new StandaloneBuffer<number>(2);
 * buffer.push(1); buffer.push(2); buffer.push(3); // 1 is dropped: at most 2 are kept
 * const reader = buffer.listen().getReader();
 * console.assert((await reader.read()).value === 2);
 * ```
 */
export class StandaloneBuffer<T> {
  #queue: T[] = [];
  #listener: ReadableStreamDefaultController<T> | undefined;
  readonly #max: number;
  #ended = false;

  /** @param maxBuffered Items kept while nobody listens; beyond it the oldest are dropped. @default 10_000 */
  constructor(maxBuffered = 10_000) {
    this.#max = maxBuffered;
  }

  /** Items waiting for a listener. */
  get size(): number {
    return this.#queue.length;
  }

  /** Is a listener attached? */
  get listening(): boolean {
    return this.#listener !== undefined;
  }

  /** Hands `item` to the listener, or keeps it for the next one. Ignored after {@linkcode end}. */
  push(item: T): void {
    if (this.#ended) return;
    if (this.#listener) {
      try {
        this.#listener.enqueue(item);
        return;
      } catch {
        this.#listener = undefined;
      }
    }
    this.#queue.push(item);
    if (this.#queue.length > this.#max) this.#queue.shift();
  }

  /**
   * A new listener: the kept items first, then live ones. The previous listener's stream ends. After
   * {@linkcode end}, the stream carries what is left and closes.
   *
   * @param onCancel Called when this listener's reader cancels (the client went away).
   */
  listen(onCancel?: (reason: unknown) => void | Promise<void>): ReadableStream<T> {
    this.detach();
    return new ReadableStream<T>({
      start: (controller) => {
        for (const item of this.#queue.splice(0)) controller.enqueue(item);
        if (this.#ended) controller.close();
        else this.#listener = controller;
      },
      cancel: async (reason) => {
        this.#listener = undefined;
        await onCancel?.(reason);
      },
    });
  }

  /** Ends the current listener's stream (a later `listen` still gets what arrives next). */
  detach(error?: unknown): void {
    const listener = this.#listener;
    this.#listener = undefined;
    try {
      if (error === undefined) listener?.close();
      else listener?.error(error);
    } catch {
      // The listener already went away.
    }
  }

  /** No more items will come: the current listener's stream ends, later pushes are ignored. */
  end(): void {
    this.#ended = true;
    this.detach();
  }
}
