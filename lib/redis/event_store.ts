/**
 * The Redis EventStore: one Redis Stream per SSE stream, bounded per stream and store-wide (count and
 * bytes), oldest evicted first, exactly as the in-memory store (`lib/stores/event_store.ts`). The key
 * layout is in `_event_scripts.ts`.
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import type { EventStore, ReplayResult, StoredEvent } from "../stores/event_store.ts";
import type { RedisConnection, RedisReply } from "./_client.ts";
import { _run } from "./_script.ts";
import { APPEND, CREATE_STREAM, DELETE_SESSION, REPLAY } from "./_event_scripts.ts";

/** Options of {@linkcode RedisEventStore}: the connection, the key prefix and the caps. */
export interface RedisEventStoreOptions {
  /** The connection (shared with the session store is fine). */
  redis: RedisConnection;
  /** Prefix of every key; stores with the same prefix on the same database share their events. @default "mcpwire:" */
  prefix?: string;
  /** Events kept per stream; the oldest go first. @default 1_000 */
  maxEventsPerStream?: number;
  /** Events kept in all streams together (every instance sharing the prefix); the oldest go first. @default 100_000 */
  maxEvents?: number;
  /** Approximate bytes of messages kept in all; the oldest go first. @default 67_108_864 (64 MiB) */
  maxBytes?: number;
  /** Approximate bytes kept per stream; the oldest go first. @default 4_194_304 (4 MiB) */
  maxBytesPerStream?: number;
}

/** Event ids are `<stream id>.<sequence number>`; only this store parses them. */
const EVENT_ID = /^(\d{1,15})\.(\d{1,15})$/;

/**
 * An EventStore in Redis, shared by every proxy instance that uses the same database and prefix: a client
 * whose stream broke on one instance resumes it on another with `Last-Event-ID` (T-RES-02). Every
 * operation is one Lua script, so the caps and counters hold across instances. Event ids are opaque to
 * callers, unique within a session and increasing within a stream.
 *
 * @example
 * ```ts ignore
 * import { connectRedis } from "./_client.ts";
 * import { RedisEventStore } from "./event_store.ts";
 * const redis = await connectRedis("redis://127.0.0.1:6379/0");
 * const store = new RedisEventStore({ redis, maxEventsPerStream: 10 });
 * const s = await store.createStream("session");
 * const first = await store.append("session", s, null);
 * await store.append("session", s, { jsonrpc: "2.0", method: "notifications/progress" });
 * const replay = await store.replayAfter("session", first);
 * console.assert(replay.type === "found" && replay.events.length === 1);
 * await redis.close();
 * ```
 */
export class RedisEventStore implements EventStore {
  #redis: RedisConnection;
  #prefix: string;
  #caps: [number, number, number, number];

  /** @throws {RangeError} For a cap that is not a positive whole number. */
  constructor(options: RedisEventStoreOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix ?? "mcpwire:";
    this.#caps = [
      options.maxEventsPerStream ?? 1_000,
      options.maxBytesPerStream ?? 4 * 1024 * 1024,
      options.maxEvents ?? 100_000,
      options.maxBytes ?? 64 * 1024 * 1024,
    ];
    for (const cap of this.#caps) {
      if (!Number.isSafeInteger(cap) || cap <= 0) {
        throw new RangeError(`Event store caps must be positive (got ${cap})`);
      }
    }
  }

  #session(sessionId: string): string {
    return `${this.#prefix}evs:${sessionId}`;
  }
  #stream(sessionId: string, streamId: string): string {
    return `${this.#prefix}evx:${streamId}:${sessionId}`;
  }

  async createStream(sessionId: string): Promise<string> {
    return String(
      await _run(this.#redis, CREATE_STREAM, [this.#session(sessionId), `${this.#prefix}ev:stats`], []),
    );
  }

  async append(sessionId: string, streamId: string, message: JsonRpcMessage | null, data?: string): Promise<string> {
    const json = message === null ? "" : data ?? JSON.stringify(message);
    // Approximate size, as the in-memory store counts it: JSON length plus a fixed overhead.
    const bytes = message === null ? 16 : json.length + 16;
    const keys = [
      this.#session(sessionId),
      this.#stream(sessionId, streamId),
      `${this.#prefix}ev:stats`,
      `${this.#prefix}ev:order`,
    ];
    const seq = await _run(this.#redis, APPEND, keys, [this.#prefix, sessionId, streamId, json, bytes, ...this.#caps]);
    return `${streamId}.${seq}`;
  }

  async replayAfter(sessionId: string, lastEventId: string): Promise<ReplayResult> {
    const match = EVENT_ID.exec(lastEventId);
    if (!match) return { type: "unknown" };
    const [, streamId, seq] = match as unknown as [string, string, string];
    const keys = [this.#session(sessionId), this.#stream(sessionId, streamId)];
    const reply = await _run(this.#redis, REPLAY, keys, [streamId, seq]);
    if (!Array.isArray(reply) || reply[0] === 0) return { type: "unknown" };
    if (reply[0] === 1) return { type: "evicted", streamId };
    const entries = Array.isArray(reply[1]) ? reply[1] : [];
    return { type: "found", streamId, events: entries.map((entry) => _toEvent(streamId, entry)) };
  }

  async deleteSession(sessionId: string): Promise<void> {
    const keys = [this.#session(sessionId), `${this.#prefix}ev:stats`, `${this.#prefix}ev:order`];
    await _run(this.#redis, DELETE_SESSION, keys, [this.#prefix, sessionId]);
  }

  async stats(): Promise<{ events: number; streams: number; bytes: number }> {
    const reply = await this.#redis.command(["HMGET", `${this.#prefix}ev:stats`, "events", "streams", "bytes"]);
    const [events, streams, bytes] = (Array.isArray(reply) ? reply : []).map((v) => Number(v ?? 0));
    return { events: events ?? 0, streams: streams ?? 0, bytes: bytes ?? 0 };
  }
}

/** A stream entry (`["0-<seq>", ["m", json, "b", bytes]]`) as a StoredEvent. */
function _toEvent(streamId: string, entry: RedisReply): StoredEvent {
  const [id, fields] = Array.isArray(entry) ? entry : [];
  const list = Array.isArray(fields) ? fields : [];
  const json = list[list.indexOf("m") + 1];
  const message = typeof json === "string" && json !== "" ? JSON.parse(json) as JsonRpcMessage : null;
  return { id: `${streamId}.${String(id).slice(2)}`, message };
}
