/**
 * A channel is one logical SSE stream of a session: the response stream of a POST, or the standalone GET
 * stream. Every event goes into the EventStore first (so it can be replayed, T-RES-02) and then to the
 * HTTP connection attached to the channel, if any. A connection can drop and another can attach later
 * (resumption); the channel, and the upstream work feeding it, carry on meanwhile (T-POST-09).
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import type { EventStore, StoredEvent } from "../stores/event_store.ts";
import { encodeEventBytes } from "../sse/encode.ts";
import {
  closeSse,
  isBehind,
  KEEP_ALIVE,
  type KeepAlive,
  openSseBody,
  releaseDrain,
  type SseConnection,
  writeSse,
} from "./sse_connection.ts";

/** Options shared by every channel of an endpoint. */
export interface ChannelOptions {
  store: EventStore;
  /** Sends a priming event (id, empty data) and `retry` first on every connection (T-RES-04). */
  priming: boolean;
  /** The `retry` value sent with the priming event, in ms. */
  retryMs: number;
  /** The shared keep-alive ticker. */
  keepAlive: KeepAlive;
}

/**
 * One logical SSE stream.
 *
 * @example
 * ```ts ignore
 * const channel = await Channel.create("session", options);
 * const body = channel.attach([]);       // Response body
 * await channel.send({ jsonrpc: "2.0", id: 1, result: {} });
 * channel.end();
 * ```
 */
export class Channel {
  readonly sessionId: string;
  readonly streamId: string;
  #options: ChannelOptions;
  #connection: SseConnection | undefined;
  /** Events stored while no connection was attached: sent on the next attach. */
  #undelivered: StoredEvent[] = [];
  #ended = false;
  #tail: Promise<void> = Promise.resolve();
  /** Sends still queued on `#tail` (waiting for the store or for the client to read). */
  #queued = 0;
  #primed: Promise<string | undefined> | undefined;

  private constructor(sessionId: string, streamId: string, options: ChannelOptions) {
    this.sessionId = sessionId;
    this.streamId = streamId;
    this.#options = options;
  }

  /** Creates a channel with a new stream in the store. */
  static async create(sessionId: string, options: ChannelOptions): Promise<Channel> {
    // A store that is away (Redis down) does not stop the stream: it gets an id of its own and its events
    // go out without ids (issue 14).
    const streamId = await options.store.createStream(sessionId).catch(() => `unstored-${crypto.randomUUID()}`);
    return new Channel(sessionId, streamId, options);
  }

  /** Whether the logical stream has ended (every response sent, or the session ended). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Whether an HTTP connection is attached right now. */
  get attached(): boolean {
    return this.#connection !== undefined;
  }

  /**
   * Attaches a new HTTP connection and returns its body. An existing connection is closed first (a new
   * GET replaces the old one, docs/field-notes.md item 8). `replay` events (from the store, after a `Last-Event-ID`)
   * are written first; without a replay, events that no connection has received yet are written first.
   * Then a priming event when enabled, then live events. An ended channel closes the body after that.
   * A connection that would otherwise start empty gets a keep-alive comment at once: Bun sends the response
   * head only with the first body bytes, so an idle GET stream, or the POST stream of a slow tool without
   * progress, would look unanswered until the first event or keep-alive (found by bench/ scale: clients
   * waited 15 s for the head; a client's response-head timeout would fire).
   */
  attach(replay?: StoredEvent[]): ReadableStream<Uint8Array> {
    this.#detach();
    const backlog = replay ?? this.#undelivered;
    this.#undelivered = [];
    const { body } = openSseBody(this.#options.keepAlive, {
      start: (connection) => {
        this.#connection = connection;
        for (const event of backlog) writeSse(connection, eventFrame(event));
        if (this.#ended) this.#closeConnection(connection);
        else if (backlog.length === 0 && !this.#options.priming) writeSse(connection, KEEP_ALIVE);
      },
      // The client went away. The channel goes on: events keep flowing into the store (T-POST-09).
      cancel: (connection) => {
        if (this.#connection === connection) this.#connection = undefined;
      },
    });
    if (this.#options.priming && !this.#ended) this.#primed ??= Promise.resolve(this.#enqueue(null));
    return body;
  }

  /** The id of the stream's first priming event (T-RES-01); `undefined` without priming or before `attach`. */
  get primingEventId(): Promise<string | undefined> {
    return this.#primed ?? Promise.resolve(undefined);
  }

  /**
   * Stores `message` on this stream and writes it to the attached connection, in order. With a store that
   * appends at once (`appendNow`, the in-memory store) and nothing queued before it, this happens in the
   * call itself: no promise per event, unless the client is behind (then the promise is the wait).
   *
   * @param data `message`'s JSON text, when the caller has it (the upstream's own text): framed and stored as
   *   is instead of serialising the message again.
   * @returns The event id the message got (`undefined` when the store failed), or a promise of it.
   */
  send(message: JsonRpcMessage, data?: string): Promise<string | undefined> | string | undefined {
    return this.#enqueue(message, data);
  }

  #enqueue(message: JsonRpcMessage | null, data?: string): Promise<string | undefined> | string | undefined {
    if (this.#queued === 0 && this.#options.store.appendNow) {
      const id = this.#write(message, data ?? (message === null ? "" : JSON.stringify(message)), true);
      const connection = this.#connection;
      if (id === undefined || !connection || this.#ended || !isBehind(connection)) return id;
      return this.#hold(this.#waitFor(connection).then(() => id));
    }
    return this.#hold(this.#tail.then(async () => {
      // Serialized once: the store and the frame take the same text.
      const text = data ?? (message === null ? "" : JSON.stringify(message));
      let id: string | undefined;
      if (this.#options.store.appendNow) id = this.#write(message, text, true);
      else {
        const stored = await this.#options.store.append(this.sessionId, this.streamId, message, text || undefined)
          .catch(() => undefined);
        id = this.#write(message, text, false, stored);
      }
      const connection = this.#connection;
      // Backpressure: wait until the client has read below the high-water mark (or left, or the stream ends).
      if (id !== undefined && connection && !this.#ended && isBehind(connection)) await this.#waitFor(connection);
      return id;
    }));
  }

  /** Queues `work` behind everything queued before it; its result (never a rejection) is the send's. */
  #hold(work: Promise<string | undefined>): Promise<string | undefined> {
    this.#queued++;
    const done = work.catch(() => undefined).finally(() => this.#queued--);
    this.#tail = done.then(_nothing);
    return done;
  }

  #waitFor(connection: SseConnection): Promise<void> {
    return new Promise<void>((resolve) => (connection.drain = resolve));
  }

  /**
   * Stores one event (`now`: with `appendNow`; else `stored` is what `append` gave) and writes its frame.
   * @returns Its event id; `undefined` when the store failed.
   */
  #write(message: JsonRpcMessage | null, data: string, now: boolean, stored?: string): string | undefined {
    let id = stored;
    if (now) {
      try {
        id = this.#options.store.appendNow!(this.sessionId, this.streamId, message, data || undefined);
      } catch {
        id = undefined;
      }
    }
    const connection = this.#connection;
    if (id === undefined) {
      // The store is away (Redis down): the message still goes to the client, without an id (it cannot be
      // resumed from, T-RES-01 makes ids optional), and a priming event is skipped (issue 14).
      if (message !== null && connection && !connection.closed) {
        writeSse(connection, encodeEventBytes({ event: "message", data }));
      }
      return undefined;
    }
    if (connection && !connection.closed) {
      writeSse(connection, message === null ? primingFrame(id, this.#options.retryMs) : dataFrame(id, data));
    } else if (message !== null) {
      this.#undelivered.push({ id, message, data });
    }
    return id;
  }

  /**
   * Ends the logical stream once everything queued is written: the attached connection (if any) is closed.
   * With `retryHint` (shutdown, issue 14) an SSE `retry:` field (the channel's `retryMs`) goes first, with no
   * data, so no event is dispatched: the client reconnects after that delay, resuming with `Last-Event-ID`.
   */
  async end(options: { retryHint?: boolean } = {}): Promise<void> {
    this.#ended = true;
    // A sender waiting for a stalled client must not hold up the end (shutdown, DELETE).
    if (this.#connection) releaseDrain(this.#connection);
    await this.#tail;
    const connection = this.#connection;
    if (!connection) return;
    // At shutdown the client is told how soon to reconnect (to another replica, through the balancer).
    if (options.retryHint && !connection.closed) writeSse(connection, retryFrame(this.#options.retryMs));
    this.#closeConnection(connection);
  }

  /** Closes the attached connection without ending the stream (shutdown, or a replacing GET). */
  #detach(): void {
    if (this.#connection) this.#closeConnection(this.#connection);
  }

  #closeConnection(connection: SseConnection): void {
    if (this.#connection === connection) this.#connection = undefined;
    closeSse(connection, this.#options.keepAlive);
  }
}

/** A bare `retry:` field: sets the client's reconnection delay (ms) and dispatches no event. */
function retryFrame(retryMs: number): Uint8Array {
  return new TextEncoder().encode(`retry: ${Math.max(0, Math.round(retryMs))}\n\n`);
}

/** The SSE frame of a stored event (a priming event has empty data). */
export function eventFrame(event: StoredEvent): Uint8Array {
  return dataFrame(event.id, event.message === null ? "" : event.data ?? JSON.stringify(event.message));
}

function dataFrame(id: string, data: string): Uint8Array {
  return encodeEventBytes({ id, event: "message", data });
}

function primingFrame(id: string, retryMs: number): Uint8Array {
  return encodeEventBytes({ id, retry: retryMs, data: "" });
}

/** The body of a resumption of a stream that has already ended: the replayed events, then the end. */
export function replayBody(events: StoredEvent[]): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const event of events) controller.enqueue(eventFrame(event));
      controller.close();
    },
  });
}

function _nothing(): void {}
