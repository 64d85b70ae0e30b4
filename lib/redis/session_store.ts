/**
 * The Redis SessionStore: one hash per session (`<prefix>session:<id>`: the record as JSON, and
 * `lastSeenAt`) with a TTL refreshed by every `touch`, plus a sorted set `<prefix>sessions` of ids by
 * `lastSeenAt` for `expire` and `size`.
 *
 * @module
 */
import type { SessionRecord, SessionStore } from "../stores/session_store.ts";
import type { RedisConnection } from "./_client.ts";
import { _lua, _run } from "./_script.ts";

/** Options of {@linkcode RedisSessionStore}. */
export interface RedisSessionStoreOptions {
  /** The connection (shared with the event store is fine). */
  redis: RedisConnection;
  /** Prefix of every key; stores with the same prefix on the same database share their sessions. @default "mcpwire:" */
  prefix?: string;
  /**
   * Time a session record lives in Redis after its last `set` or `touch`, in ms: a session whose instance
   * died is forgotten by Redis itself. 0 keeps records until deleted. Keep it at least the proxy's
   * `sessionIdleTimeoutMs`. @default 1_800_000 (30 min, the proxy's default idle timeout)
   */
  ttlMs?: number;
}

// KEYS: record, index. ARGV: json, lastSeenAt, ttlMs, id.
const SET = _lua(`
redis.call('HSET', KEYS[1], 'json', ARGV[1], 'lastSeenAt', ARGV[2])
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) else redis.call('PERSIST', KEYS[1]) end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[4])
return 1`);

// KEYS: record, index. ARGV: now, ttlMs, id.
const TOUCH = _lua(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[3])
  return 0
end
redis.call('HSET', KEYS[1], 'lastSeenAt', ARGV[1])
if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[3])
return 1`);

// KEYS: record, index. ARGV: id.
const DELETE = _lua(`
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`);

// KEYS: index. ARGV: prefix, cutoff. Ids whose record Redis already expired (TTL) are dropped, not returned.
const EXPIRE = _lua(`
local ids = redis.call('ZRANGE', KEYS[1], '-inf', '(' .. ARGV[2], 'BYSCORE')
local out = {}
for _, id in ipairs(ids) do
  if redis.call('DEL', ARGV[1] .. 'session:' .. id) == 1 then out[#out + 1] = id end
  redis.call('ZREM', KEYS[1], id)
end
return out`);

// KEYS: index. ARGV: prefix. Counts live records, dropping ids whose record expired by TTL.
const SIZE = _lua(`
local n = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('EXISTS', ARGV[1] .. 'session:' .. id) == 1 then n = n + 1 else redis.call('ZREM', KEYS[1], id) end
end
return n`);

/**
 * A SessionStore in Redis, shared by every proxy instance that uses the same database and prefix: a
 * session created on one instance is found by the others (read-through, T-SESS-07).
 *
 * `size` walks the index (O(sessions)); it is meant for metrics and tests.
 *
 * @example
 * ```ts ignore
 * import { connectRedis } from "./_client.ts";
 * import { RedisSessionStore } from "./session_store.ts";
 * const redis = await connectRedis("redis://127.0.0.1:6379/0");
 * const store = new RedisSessionStore({ redis, ttlMs: 60_000 });
 * await store.set({ id: "a", revision: "2025-06-18", initialize: { jsonrpc: "2.0", id: 1, method: "initialize" }, createdAt: 0, lastSeenAt: 0 });
 * console.assert(await store.touch("a", Date.now()));
 * await redis.close();
 * ```
 */
export class RedisSessionStore implements SessionStore {
  /** Always `true`: replicas share it. */
  readonly shared = true;
  #redis: RedisConnection;
  #prefix: string;
  #ttlMs: number;

  /** @throws {RangeError} For a negative or non-integer `ttlMs`. */
  constructor(options: RedisSessionStoreOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix ?? "mcpwire:";
    this.#ttlMs = options.ttlMs ?? 30 * 60_000;
    if (!Number.isInteger(this.#ttlMs) || this.#ttlMs < 0) {
      throw new RangeError(`ttlMs must be a whole number of ms, 0 or more (got ${options.ttlMs})`);
    }
  }

  #keys(id: string): string[] {
    return [`${this.#prefix}session:${id}`, `${this.#prefix}sessions`];
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const reply = await this.#redis.command(["HMGET", `${this.#prefix}session:${id}`, "json", "lastSeenAt"]);
    const [json, lastSeenAt] = Array.isArray(reply) ? reply : [];
    if (typeof json !== "string") return undefined;
    return { ...JSON.parse(json) as SessionRecord, lastSeenAt: Number(lastSeenAt) };
  }

  async set(record: SessionRecord): Promise<void> {
    await _run(this.#redis, SET, this.#keys(record.id), [
      JSON.stringify(record),
      record.lastSeenAt,
      this.#ttlMs,
      record.id,
    ]);
  }

  async touch(id: string, now: number): Promise<boolean> {
    return (await _run(this.#redis, TOUCH, this.#keys(id), [now, this.#ttlMs, id])) === 1;
  }

  async delete(id: string): Promise<void> {
    await _run(this.#redis, DELETE, this.#keys(id), [id]);
  }

  async expire(cutoff: number): Promise<string[]> {
    const reply = await _run(this.#redis, EXPIRE, [`${this.#prefix}sessions`], [this.#prefix, cutoff]);
    return Array.isArray(reply) ? reply.map(String) : [];
  }

  async size(): Promise<number> {
    return Number(await _run(this.#redis, SIZE, [`${this.#prefix}sessions`], [this.#prefix]));
  }
}
