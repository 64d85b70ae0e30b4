/**
 * Starts the one 1.x SDK test server (`testing/sdk1_server.mjs`: the 1.x `McpServer` on its stateful
 * Streamable HTTP transport, served by `node` as its own process) and reads its test hooks.
 *
 * @module
 */
import { type HttpChild, ROOT, startHttpChild } from "./e2e.ts";

/** The server's script, for callers that start it themselves. */
export const SDK1_SERVER = `${ROOT}testing/sdk1_server.mjs`;

/** What the server saw, from its `GET /_log` hook. */
export interface Sdk1Log {
  /** `slow` calls whose request was cancelled (the handler saw `notifications/cancelled`). */
  cancelled: number;
  /** `slow` calls that ran to their result. */
  finished: number;
  /** The clientInfo name of each `initialize`, in arrival order. */
  initialized: string[];
}

/** A running 1.x server: its `/mcp` endpoint, what it saw, and how to stop it. */
export interface Sdk1Server {
  /** The MCP endpoint, `http://127.0.0.1:PORT/mcp`. */
  url: URL;
  /** The child process (its base URL, pid). */
  child: HttpChild;
  /** Reads what the server saw so far. */
  log(): Promise<Sdk1Log>;
  /** Closes every session: the next request naming one gets 404, as after a restart. */
  forget(): Promise<void>;
  /** Stops the process (SIGTERM, then SIGKILL after 2 s). */
  close(): Promise<void>;
}

/**
 * Starts the server on a free loopback port and waits until it listens (15 s bound).
 *
 * @throws Error when the process exits early or does not listen in time.
 * @example
 * ```ts
 * const server = await startSdk1Server();
 * // … point mcpwire at server.url …
 * console.log((await server.log()).initialized);
 * await server.close();
 * ```
 */
export async function startSdk1Server(): Promise<Sdk1Server> {
  const child = await startHttpChild([SDK1_SERVER]);
  return {
    url: new URL("/mcp", child.url),
    child,
    async log() {
      const response = await fetch(new URL("/_log", child.url));
      return await response.json() as Sdk1Log;
    },
    async forget() {
      const response = await fetch(new URL("/_forget", child.url), { method: "POST" });
      await response.body?.cancel();
      if (response.status !== 204) throw new Error(`/_forget answered ${response.status}`);
    },
    close: () => child.close(),
  };
}
