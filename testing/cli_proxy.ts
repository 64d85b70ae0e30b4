/**
 * `mcpwire reverse` started as the README runs it (the CLI on the current runtime, as a child process),
 * and a header tap: a loopback pass-through in front of a real upstream that records the headers of every
 * request it forwards.
 *
 * @module
 */
import { serve } from "../lib/runtime/serve.ts";
import { type CliChild, LISTENING, startCli } from "./cli_child.ts";

/** A running `mcpwire reverse`. */
export type CliProxy = CliChild;

/**
 * Starts `mcpwire reverse --bind 127.0.0.1:0 ARGS…` (through `cli_child.ts`) and waits for its
 * `listening on` line. With `ulimit`, the process runs under `ulimit -n <ulimit>`.
 *
 * @throws {Error} With its stderr when it exits or does not listen in time.
 */
export function startReverseCli(args: string[], options: { ulimit?: number } = {}): Promise<CliProxy> {
  return startCli(["reverse", "--bind", "127.0.0.1:0", ...args], LISTENING, { timeoutMs: 20_000, ...options });
}

/** A pass-through recording request headers. */
export interface HeaderTap {
  /** Its base URL; requests to `<url><path>` go to `<target origin><path>`. */
  url: URL;
  /** The headers of every request forwarded so far. */
  seen: Headers[];
  close(): Promise<void>;
}

/** Starts a {@linkcode HeaderTap} in front of `target` (e.g. server-everything's base URL). */
export async function startHeaderTap(target: URL): Promise<HeaderTap> {
  const seen: Headers[] = [];
  const server = await serve(async (request) => {
    seen.push(new Headers(request.headers));
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    headers.delete("host");
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
    return await fetch(new URL(url.pathname + url.search, target), { method: request.method, headers, body });
  }, { hostname: "127.0.0.1", port: 0 });
  return { url: server.url, seen, close: () => server.close() };
}
