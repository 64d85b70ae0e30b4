/**
 * Redis implementations of the store ports (entry point `mcpwire/stores/redis`): `RedisSessionStore` and
 * `RedisEventStore`, so that several proxy instances serve the same sessions and resume each other's
 * streams. Not re-exported by `mod.ts` or `mcpwire/stores`: the Redis client opens sockets through
 * `node:net`, and the Web-standard core must reach no runtime code (docs/stores.md).
 *
 * @example
 * ```ts ignore
 * import { createReverseProxy } from "../../mod.ts";
 * import { connectRedisStores } from "./mod.ts";
 * const stores = await connectRedisStores("redis://127.0.0.1:6379/0");
 * const proxy = createReverseProxy({
 *   upstream: "http://127.0.0.1:3001/mcp",
 *   sessionStore: stores.sessionStore,
 *   eventStore: stores.eventStore,
 * });
 * // … serve proxy.fetch; at shutdown:
 * await proxy.close();
 * await stores.close();
 * ```
 *
 * @module
 */
import { connectRedis, type ConnectRedisOptions, type RedisConnection } from "./_client.ts";
import { RedisSessionStore } from "./session_store.ts";
import { RedisEventStore, type RedisEventStoreOptions } from "./event_store.ts";

export { connectRedis, type ConnectRedisOptions, type RedisConnection, type RedisReply } from "./_client.ts";
export { RedisSessionStore, type RedisSessionStoreOptions } from "./session_store.ts";
export { RedisEventStore, type RedisEventStoreOptions } from "./event_store.ts";

/** Options of {@linkcode connectRedisStores}: the connection's, the key prefix, the session TTL and the event caps. */
export interface RedisStoresOptions extends ConnectRedisOptions, Omit<RedisEventStoreOptions, "redis"> {
  /** Session record TTL after the last touch, in ms; 0 keeps records until deleted. @default 1_800_000 */
  sessionTtlMs?: number;
}

/** The two stores over one connection, and its close. */
export interface RedisStores {
  sessionStore: RedisSessionStore;
  eventStore: RedisEventStore;
  redis: RedisConnection;
  /** Closes the connection (after the proxy using the stores was closed). */
  close(): Promise<void>;
}

/**
 * Connects to Redis and makes a SessionStore and an EventStore over that one connection.
 *
 * @param url `redis://[user:password@]host:port[/db]`.
 * @param options Timeouts, the key prefix (`mcpwire:`), the session TTL (30 min) and the event caps.
 * @returns The stores, ready for `createReverseProxy({ sessionStore, eventStore })`.
 * @throws {Error} When Redis cannot be reached (see {@linkcode connectRedis}).
 * @throws {RangeError} For an invalid TTL or cap.
 * @example
 * ```ts ignore
 * import { connectRedisStores } from "./mod.ts";
 * const { sessionStore, eventStore, close } = await connectRedisStores("redis://127.0.0.1:6379/0", {
 *   sessionTtlMs: 60 * 60_000,
 *   maxEventsPerStream: 500,
 * });
 * console.log(await sessionStore.size(), await eventStore.stats());
 * await close();
 * ```
 */
export async function connectRedisStores(url: string, options: RedisStoresOptions = {}): Promise<RedisStores> {
  const { sessionTtlMs, connectTimeoutMs, maxReconnectDelayMs, onError, ...eventOptions } = options;
  const redis = await connectRedis(url, {
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    ...(maxReconnectDelayMs !== undefined ? { maxReconnectDelayMs } : {}),
    ...(onError ? { onError } : {}),
  });
  try {
    const sessionStore = new RedisSessionStore({
      redis,
      ...(eventOptions.prefix !== undefined ? { prefix: eventOptions.prefix } : {}),
      ...(sessionTtlMs !== undefined ? { ttlMs: sessionTtlMs } : {}),
    });
    const eventStore = new RedisEventStore({ redis, ...eventOptions });
    return { sessionStore, eventStore, redis, close: () => redis.close() };
  } catch (error) {
    await redis.close();
    throw error;
  }
}
