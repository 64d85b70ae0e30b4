/**
 * Lua scripts run by `EVALSHA`, falling back to `EVAL` when the server does not know the script yet
 * (`NOSCRIPT`: after a restart or `SCRIPT FLUSH`). Each store operation that reads and writes several keys
 * is one script, so it is atomic across every instance sharing the database.
 *
 * @module
 */
import type { RedisConnection, RedisReply } from "./_client.ts";

/** A Lua script and its SHA-1 (computed once). */
export interface LuaScript {
  readonly text: string;
  sha(): Promise<string>;
}

/** Wraps Lua source as a {@linkcode LuaScript}. */
export function _lua(text: string): LuaScript {
  let sha: Promise<string> | undefined;
  return {
    text,
    sha: () =>
      sha ??= crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)).then((digest) =>
        [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")
      ),
  };
}

/**
 * Runs a script with its keys and arguments.
 * @throws {Error} The script's error reply (`redis.error_reply`), or a connection error.
 */
export async function _run(
  redis: RedisConnection,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<RedisReply> {
  const rest = [String(keys.length), ...keys, ...args.map(String)];
  try {
    return await redis.command(["EVALSHA", await script.sha(), ...rest]);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return await redis.command(["EVAL", script.text, ...rest]);
  }
}
