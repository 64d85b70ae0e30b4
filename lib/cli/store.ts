/**
 * `--store` of `mcpwire reverse`: where sessions and events live. `memory` (the default) keeps them in
 * this process; `redis://host:port/db` shares them with every instance using the same Redis database
 * (docs/stores.md). The Redis module is imported only when asked for, so other commands never load it.
 *
 * @module
 */
import type { EventStore } from "../stores/event_store.ts";
import type { SessionStore } from "../stores/session_store.ts";
import { UsageError } from "./args.ts";

/** Help lines of `--store`. */
export const STORE_USAGE =
  `  --store URL              where sessions and SSE events live: memory (default), or redis://HOST:PORT/DB
                           (rediss:// for TLS) shared by every instance using it (docs/stores.md)
`;

/** The stores to give the proxy, and how to let go of them at shutdown. */
export interface StoreSetup {
  sessionStore: SessionStore;
  eventStore: EventStore;
  /** A line for the start-up log, e.g. `sessions and events in redis://127.0.0.1:6379/0`. */
  summary: string;
  /** Closes the connection (after the proxy was closed). */
  close(): Promise<void>;
}

/**
 * Checks the `--store` value without connecting.
 *
 * @returns `undefined` for `memory` or no flag (the proxy's in-memory default), else the Redis URL.
 * @throws {UsageError} For anything but `memory` or a `redis://` / `rediss://` URL.
 */
export function parseStoreFlag(value: string | undefined): string | undefined {
  if (value === undefined || value === "memory") return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--store must be memory or redis://HOST:PORT/DB (got ${value})`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new UsageError(`--store must be memory or redis://HOST:PORT/DB (got ${value})`);
  }
  if (!/^\/?\d*$/.test(url.pathname)) throw new UsageError(`--store: the database must be a number (got ${value})`);
  return value;
}

/**
 * Connects the Redis stores for `--store`.
 *
 * @param url The URL {@linkcode parseStoreFlag} returned.
 * @param sessionTtlMs TTL of session records after their last use, in ms (the proxy's session timeout; 0 never).
 * @param log Where connection errors after the start are reported (the client reconnects by itself).
 * @throws {Error} When Redis cannot be reached (within 5 s).
 * @example
 * ```ts ignore
 * import { connectStore, parseStoreFlag } from "./store.ts";
 * const url = parseStoreFlag("redis://127.0.0.1:6379/0");
 * const stores = url ? await connectStore(url, 30 * 60_000, console.error) : undefined;
 * await stores?.close();
 * ```
 */
export async function connectStore(
  url: string,
  sessionTtlMs: number,
  log: (line: string) => void,
): Promise<StoreSetup> {
  const { connectRedisStores } = await import("../redis/mod.ts");
  const stores = await connectRedisStores(url, {
    sessionTtlMs,
    onError: (e) => log(`redis: ${e instanceof Error ? e.message : e}`),
  });
  const shown = new URL(url);
  if (shown.password) shown.password = "***";
  return { ...stores, summary: `sessions and events in ${shown.href}` };
}
