/**
 * The EventStore port: where every SSE event sent to a client is kept so that the client can resume a
 * broken stream with `Last-Event-ID` (MCP Streamable HTTP "Resumability and Redelivery", T-RES-01..03).
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";

/** One stored event. `message` `null` is a priming event (an id with empty data, T-RES-04). */
export interface StoredEvent {
  /** The event id: unique within the session, and identifies its stream (T-RES-01, T-RES-05). Opaque. */
  id: string;
  message: JsonRpcMessage | null;
  /** `message`'s JSON text, when the store kept it (the in-memory store keeps only the text): framed as is. */
  data?: string;
}

/** The answer to a replay request. */
export type ReplayResult =
  /** The id is known: these events of `streamId` follow it, oldest first. */
  | { type: "found"; streamId: string; events: StoredEvent[] }
  /** The id was never issued in this session (or its stream was removed). */
  | { type: "unknown" }
  /** The id belongs to a stream of this session, but events after it were evicted by the caps. */
  | { type: "evicted"; streamId: string };

/**
 * Keeps SSE events per session and stream. Stream and event ids are opaque to callers: only the store that
 * issued an id interprets it. Implementations must never return events of another stream from `replayAfter`
 * (T-RES-03) and must stay within their caps, evicting oldest events first.
 */
export interface EventStore {
  /** Creates a stream in `sessionId` and returns its id (unique within the session). */
  createStream(sessionId: string): Promise<string>;
  /**
   * Stores an event on a stream and returns its event id.
   * @param message The message, or `null` for a priming event.
   * @param data `message`'s JSON text, when the caller already has it (saves serialising again).
   */
  append(sessionId: string, streamId: string, message: JsonRpcMessage | null, data?: string): Promise<string>;
  /**
   * {@linkcode EventStore.append} without a promise, for stores that keep events in this process: a channel
   * then writes an event in the same turn it arrives (a promise per event was a measurable share of a big
   * stream's cost on Deno). Optional; a store without it is awaited.
   * @throws {Error} Where `append` would reject.
   */
  appendNow?(sessionId: string, streamId: string, message: JsonRpcMessage | null, data?: string): string;
  /** The events of the same stream that follow `lastEventId`. */
  replayAfter(sessionId: string, lastEventId: string): Promise<ReplayResult>;
  /** Forgets every stream and event of a session (session ended). */
  deleteSession(sessionId: string): Promise<void>;
  /** Current size, for metrics and tests. */
  stats(): Promise<{ events: number; streams: number; bytes: number }>;
}

/** Caps of {@linkcode InMemoryEventStore}. */
export interface InMemoryEventStoreOptions {
  /** Events kept per stream; the oldest go first. @default 1_000 */
  maxEventsPerStream?: number;
  /** Events kept in all streams together; the oldest (store-wide) go first. @default 100_000 */
  maxEvents?: number;
  /** Approximate bytes of messages kept in all; the oldest go first. @default 67_108_864 (64 MiB) */
  maxBytes?: number;
  /** Approximate bytes kept per stream; the oldest go first (a big stream cannot pin memory). @default 4_194_304 (4 MiB) */
  maxBytesPerStream?: number;
}

/**
 * One kept event: its JSON text, not the message object (a parsed message takes several times its text's
 * size on the heap; replays are rare and parse it again).
 */
interface Entry {
  seq: number;
  id: string;
  /** The message's JSON text; `null` for a priming event. */
  data: string | null;
  bytes: number;
}

interface StreamRecord {
  sessionId: string;
  streamId: string;
  /** Events still kept, oldest first from `head` (entries before it are evicted; compacted now and then). */
  events: Entry[];
  head: number;
  /** Sum of `bytes` of the kept events. */
  bytes: number;
  /** Next sequence number. */
  next: number;
  /** Number of events removed from the front (evicted). */
  dropped: number;
}

/**
 * The in-memory EventStore: bounded per stream and in total (count and bytes), oldest evicted first.
 * Event ids are `<streamId>.<seq>`; stream ids are `<n>` within the session.
 *
 * @example
 * ```ts
 * import { InMemoryEventStore } from "./event_store.ts";
 * const store = new InMemoryEventStore({ maxEventsPerStream: 10 });
 * const s = await store.createStream("session");
 * const first = await store.append("session", s, null);
 * await store.append("session", s, { jsonrpc: "2.0", method: "notifications/progress" });
 * const replay = await store.replayAfter("session", first);
 * console.assert(replay.type === "found" && replay.events.length === 1);
 * ```
 */
export class InMemoryEventStore implements EventStore {
  #maxPerStream: number;
  #maxEvents: number;
  #maxBytes: number;
  #maxBytesPerStream: number;
  #sessions = new Map<string, { nextStream: number; streams: Map<string, StreamRecord> }>();
  /** Global insertion order, for store-wide eviction: stream records in the order of their events. */
  #order: StreamRecord[] = [];
  #orderHead = 0;
  #events = 0;
  #bytes = 0;

  constructor(options: InMemoryEventStoreOptions = {}) {
    this.#maxPerStream = options.maxEventsPerStream ?? 1_000;
    this.#maxEvents = options.maxEvents ?? 100_000;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#maxBytesPerStream = options.maxBytesPerStream ?? 4 * 1024 * 1024;
  }

  createStream(sessionId: string): Promise<string> {
    let session = this.#sessions.get(sessionId);
    if (!session) {
      session = { nextStream: 0, streams: new Map() };
      this.#sessions.set(sessionId, session);
    }
    const streamId = String(session.nextStream++);
    session.streams.set(streamId, { sessionId, streamId, events: [], head: 0, bytes: 0, next: 0, dropped: 0 });
    return Promise.resolve(streamId);
  }

  append(sessionId: string, streamId: string, message: JsonRpcMessage | null, data?: string): Promise<string> {
    try {
      return Promise.resolve(this.appendNow(sessionId, streamId, message, data));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  appendNow(sessionId: string, streamId: string, message: JsonRpcMessage | null, data?: string): string {
    const stream = this.#sessions.get(sessionId)?.streams.get(streamId);
    if (!stream) throw new Error(`Unknown stream ${streamId} in session`);
    const seq = stream.next++;
    const id = `${streamId}.${seq}`;
    const text = message === null ? null : data ?? JSON.stringify(message);
    // Approximate size: JSON length (UTF-16 units) of the message.
    const bytes = text === null ? 16 : text.length + 16;
    stream.events.push({ seq, id, data: text, bytes });
    stream.bytes += bytes;
    this.#order.push(stream);
    this.#events++;
    this.#bytes += bytes;
    if (_kept(stream) > this.#maxPerStream) this.#evictFrom(stream);
    while (stream.bytes > this.#maxBytesPerStream && _kept(stream) > 1) this.#evictFrom(stream);
    while ((this.#events > this.#maxEvents || this.#bytes > this.#maxBytes) && this.#events > 1) {
      this.#evictOldest();
    }
    return id;
  }

  #evictFrom(stream: StreamRecord): void {
    if (_kept(stream) === 0) return;
    const removed = stream.events[stream.head]!;
    // The slot is let go at once; the array is compacted once half of it is evicted (no shift per event).
    stream.events[stream.head++] = undefined as unknown as Entry;
    if (stream.head > 64 && stream.head * 2 > stream.events.length) {
      stream.events = stream.events.slice(stream.head);
      stream.head = 0;
    }
    stream.dropped++;
    stream.bytes -= removed.bytes;
    this.#events--;
    this.#bytes -= removed.bytes;
  }

  #evictOldest(): void {
    // #order holds one entry per appended event; entries of already-evicted events are skipped.
    while (this.#orderHead < this.#order.length) {
      const stream = this.#order[this.#orderHead++]!;
      if (this.#live(stream) && _kept(stream) > 0) {
        this.#evictFrom(stream);
        break;
      }
    }
    if (this.#orderHead > 1024 && this.#orderHead * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#orderHead);
      this.#orderHead = 0;
    }
  }

  #live(stream: StreamRecord): boolean {
    return this.#sessions.get(stream.sessionId)?.streams.get(stream.streamId) === stream;
  }

  replayAfter(sessionId: string, lastEventId: string): Promise<ReplayResult> {
    const dot = lastEventId.lastIndexOf(".");
    const streamId = lastEventId.slice(0, dot);
    const seqText = lastEventId.slice(dot + 1);
    const stream = dot > 0 ? this.#sessions.get(sessionId)?.streams.get(streamId) : undefined;
    const seq = Number(seqText);
    if (!stream || !/^\d+$/.test(seqText) || seq >= stream.next) return Promise.resolve({ type: "unknown" });
    const first = stream.events[stream.head];
    const firstKept = first ? first.seq : stream.next;
    if (seq + 1 < firstKept) return Promise.resolve({ type: "evicted", streamId });
    const events: StoredEvent[] = [];
    for (let i = stream.head + Math.max(0, seq + 1 - firstKept); i < stream.events.length; i++) {
      const e = stream.events[i]!;
      events.push(
        e.data === null ? { id: e.id, message: null } : { id: e.id, message: JSON.parse(e.data), data: e.data },
      );
    }
    return Promise.resolve({ type: "found", streamId, events });
  }

  deleteSession(sessionId: string): Promise<void> {
    const session = this.#sessions.get(sessionId);
    if (session) {
      for (const stream of session.streams.values()) {
        for (let i = stream.head; i < stream.events.length; i++) this.#bytes -= stream.events[i]!.bytes;
        this.#events -= _kept(stream);
      }
      this.#sessions.delete(sessionId);
    }
    // Compact the eviction order now and then so ended sessions do not pin memory.
    if (this.#order.length > 2 * this.#events + 1024) {
      this.#order = this.#order.slice(this.#orderHead).filter((s) => this.#live(s));
      this.#orderHead = 0;
    }
    return Promise.resolve();
  }

  stats(): Promise<{ events: number; streams: number; bytes: number }> {
    let streams = 0;
    for (const s of this.#sessions.values()) streams += s.streams.size;
    return Promise.resolve({ events: this.#events, streams, bytes: this.#bytes });
  }
}

/** Events a stream still keeps. */
function _kept(stream: StreamRecord): number {
  return stream.events.length - stream.head;
}
