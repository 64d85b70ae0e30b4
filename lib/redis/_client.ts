/**
 * The Redis connection the stores use, over `@redis/client` (the core of node-redis, imported in
 * `deps.ts`). Only this file touches the client library.
 *
 * @module
 */
import { createClient } from "./deps.ts";

/** A RESP reply as the client decodes it (RESP2): strings, integers, `null`, and arrays of those. */
export type RedisReply = string | number | null | RedisReply[];

/**
 * A connection to one Redis database, reduced to what the stores need: raw commands and a close. Keeping
 * the stores on this small interface keeps the client library swappable behind this file.
 */
export interface RedisConnection {
  /** Sends one command (`["HGET", key, field]`) and returns its reply. @throws {Error} Redis errors. */
  command(args: readonly string[]): Promise<RedisReply>;
  /** Closes the connection after pending replies arrived. */
  close(): Promise<void>;
}

/** Options of {@linkcode connectRedis}. */
export interface ConnectRedisOptions {
  /** Time to establish the first connection, in ms. @default 5_000 */
  connectTimeoutMs?: number;
  /** Longest pause between reconnection attempts after the connection was lost, in ms. @default 2_000 */
  maxReconnectDelayMs?: number;
  /** Called for connection errors after the first connection (the client reconnects by itself). */
  onError?: (error: unknown) => void;
}

/**
 * Connects to Redis.
 *
 * @param url `redis://[user:password@]host:port[/db]` (db defaults to 0).
 * @param options Timeouts and the error callback.
 * @returns An open connection.
 * @throws {Error} When the first connection fails or takes longer than `connectTimeoutMs` (no retry then:
 *   a wrong address fails fast instead of hanging the start of the proxy).
 * @example
 * ```ts ignore
 * import { connectRedis } from "./_client.ts";
 * const redis = await connectRedis("redis://127.0.0.1:6379/0");
 * console.log(await redis.command(["PING"])); // "PONG"
 * await redis.close();
 * ```
 */
export async function connectRedis(url: string, options: ConnectRedisOptions = {}): Promise<RedisConnection> {
  let connected = false;
  const maxDelay = options.maxReconnectDelayMs ?? 2_000;
  const client = createClient({
    url,
    // While Redis is away, commands fail at once instead of queueing without bound until it returns: the
    // proxy then answers new sessions 503 + Retry-After and keeps serving the sessions it holds (issue 14).
    disableOfflineQueue: true,
    // A Redis that is up but slow cannot pile up pending commands without bound either.
    commandsQueueMaxLength: 10_000,
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 5_000,
      // Before the first connection: give up at once (the caller reports it); after: back off and retry.
      reconnectStrategy: (retries: number, cause: Error) =>
        connected ? Math.min(50 * 2 ** Math.min(retries, 10), maxDelay) : cause,
    },
  });
  let firstError: unknown;
  client.on("error", (error: unknown) => {
    if (connected) options.onError?.(error);
    else firstError ??= error;
  });
  try {
    await client.connect();
  } catch (error) {
    if (client.isOpen) client.destroy();
    const cause = firstError ?? error;
    throw new Error(`Cannot connect to Redis at ${redact(url)}: ${cause instanceof Error ? cause.message : cause}`, {
      cause,
    });
  }
  connected = true;
  return {
    command: (args) => client.sendCommand<RedisReply>([...args]),
    close: async () => {
      connected = false;
      if (client.isOpen) await client.close();
    },
  };
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.href;
  } catch {
    return "(invalid URL)";
  }
}
