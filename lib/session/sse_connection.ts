/**
 * One SSE connection: the body of one HTTP response, with backpressure (a sender waits while the client is
 * {@linkcode HIGH_WATER_BYTES} behind) and keep-alive comments from one shared timer. Channels (resumable
 * streams of the Streamable HTTP face) and the legacy HTTP+SSE face write through it.
 *
 * @module
 */
import { reportsEnd } from "../kit/streams.ts";
import { encodeCommentBytes } from "../sse/encode.ts";

/** The keep-alive comment: sent on idle connections, and first on connections with nothing else to send. */
export const KEEP_ALIVE: Uint8Array = encodeCommentBytes("keep-alive");

/** An open SSE connection: the body of one HTTP response, watched by {@linkcode KeepAlive}. */
export interface SseConnection {
  controller: ReadableStreamDefaultController<Uint8Array>;
  lastWriteAt: number;
  closed: boolean;
  /** Resolves a sender waiting for the client to read (see {@linkcode HIGH_WATER_BYTES}). */
  drain?: () => void;
  /** Reports the body's end to those watching it (`onStreamEnd` in lib/kit/streams.ts), once. */
  ended?: () => void;
}

/**
 * Bytes queued for a connection beyond which a channel waits for the client to read before it takes the
 * next event: a slow client then holds back the upstream (TCP backpressure) instead of the proxy holding
 * the whole stream in memory (found by bench/: a client that paused 3 s made the proxy buffer a 40 MB
 * stream, RSS +136 MB). A client that goes away releases the wait; later events go to the store only.
 */
export const HIGH_WATER_BYTES = 64 * 1024;

/** The queuing strategy of every SSE body: counts bytes, with {@linkcode HIGH_WATER_BYTES} as its mark. */
export const BYTES: QueuingStrategy<Uint8Array> = {
  highWaterMark: HIGH_WATER_BYTES,
  size: (chunk) => chunk.byteLength,
};

/** Wakes a sender waiting for `connection` to drain. */
export function releaseDrain(connection: SseConnection): void {
  const drain = connection.drain;
  connection.drain = undefined;
  drain?.();
}

/** Writes bytes to a connection; a connection that cannot take them is marked closed. */
export function writeSse(connection: SseConnection, bytes: Uint8Array): void {
  if (connection.closed) return;
  try {
    connection.controller.enqueue(bytes);
    connection.lastWriteAt = Date.now();
  } catch {
    connection.closed = true;
  }
}

/**
 * Writes `bytes`, then waits while the client is {@linkcode HIGH_WATER_BYTES} or more behind (until it
 * reads, goes away, or the connection is closed).
 *
 * @example
 * ```ts ignore
 * await writeAndWait(connection, encodeEventBytes({ data: "{}" }));
 * ```
 */
export async function writeAndWait(connection: SseConnection, bytes: Uint8Array): Promise<void> {
  writeSse(connection, bytes);
  if (!connection.closed && (connection.controller.desiredSize ?? 1) <= 0) {
    await new Promise<void>((resolve) => (connection.drain = resolve));
  }
}

/** Hooks of {@linkcode openSseBody}. */
export interface SseBodyHooks {
  /** Called once the connection exists (write the first bytes here). */
  start?: (connection: SseConnection) => void;
  /** Called when the client went away (the body was cancelled). */
  cancel?: (connection: SseConnection) => void;
}

/**
 * Opens an SSE response body watched by `keepAlive`: reads by the client release a waiting sender, and a
 * client that goes away marks the connection closed.
 *
 * @returns The body for the `Response` and its connection.
 * @example
 * ```ts ignore
 * const { body, connection } = openSseBody(keepAlive, { start: (c) => writeSse(c, KEEP_ALIVE) });
 * ```
 */
export function openSseBody(
  keepAlive: KeepAlive,
  hooks: SseBodyHooks = {},
): { body: ReadableStream<Uint8Array>; connection: SseConnection } {
  let connection!: SseConnection;
  const body = new ReadableStream<Uint8Array>({
    start: (controller) => {
      connection = { controller, lastWriteAt: Date.now(), closed: false };
      keepAlive.add(connection);
      hooks.start?.(connection);
    },
    pull: () => releaseDrain(connection),
    cancel: () => {
      connection.closed = true;
      releaseDrain(connection);
      keepAlive.delete(connection);
      hooks.cancel?.(connection);
      connection.ended?.();
    },
  }, BYTES);
  // Whoever counts open bodies (admission) hooks onto this one instead of wrapping it; a body that `start`
  // already closed is left unmarked (its end has passed).
  if (!connection.closed) connection.ended = reportsEnd(body);
  return { body, connection };
}

/** Closes a connection: a waiting sender is released, the keep-alive timer forgets it, the body ends. */
export function closeSse(connection: SseConnection, keepAlive: KeepAlive): void {
  releaseDrain(connection);
  keepAlive.delete(connection);
  if (connection.closed) return connection.ended?.();
  connection.closed = true;
  try {
    connection.controller.close();
  } catch {
    // Already closed or errored.
  }
  connection.ended?.();
}

/**
 * One timer for all open connections: every `intervalMs`, a comment is written to each connection that
 * has been idle that long (docs/field-notes.md item 4: idle streams get cut by load balancers and NAT).
 */
export class KeepAlive {
  #intervalMs: number;
  #connections = new Set<SseConnection>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /** @param intervalMs Idle time before a keep-alive comment, in ms; 0 turns keep-alives off. */
  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /** Number of connections watched (open SSE connections). */
  get size(): number {
    return this.#connections.size;
  }

  /** Watches a newly opened connection (starts the timer when it is the first). */
  add(connection: SseConnection): void {
    this.#connections.add(connection);
    if (this.#timer === undefined && this.#intervalMs > 0) {
      const tick = Math.max(10, Math.floor(this.#intervalMs / 2));
      this.#timer = setInterval(() => this.#tick(), tick);
    }
  }

  /** Stops watching a connection (stops the timer when none is left). */
  delete(connection: SseConnection): void {
    this.#connections.delete(connection);
    if (this.#connections.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #tick(): void {
    const due = Date.now() - this.#intervalMs;
    for (const c of this.#connections) {
      if (c.lastWriteAt <= due) writeSse(c, KEEP_ALIVE);
    }
  }

  /** Stops the timer (shutdown). */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
