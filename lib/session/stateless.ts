/**
 * The session-less path of the core (MCP 2026-07-28): one self-contained request or notification sent
 * upstream on a connection of its own, observed like every session message (envelopes without a session id,
 * with the request's revision), so rules, metrics and tapes see modern traffic the same way. Delivery
 * reuses `SessionCore.deliver` with a {@linkcode StatelessScope}; nothing is registered or stored.
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import type { Revision } from "../protocol/revisions.ts";
import { type UpstreamReply, UpstreamUnavailableError } from "../upstream/types.ts";
import type { SessionCore, StatelessScope } from "./core.ts";

/** One stateless exchange in flight: the upstream's reply, and how to end it. */
export interface StatelessExchange {
  /** The scope to deliver the reply with (`core.deliver(exchange.scope, [exchange.reply], …)`). */
  scope: StatelessScope;
  /** The upstream's reply. */
  reply: UpstreamReply;
  /**
   * Ends the upstream side: aborts the upstream request if it is still running (closing its response
   * stream, which is the cancellation in 2026-07-28, T-POST-10) and closes the one-request connection.
   */
  close(): Promise<void>;
}

/** Options of {@linkcode sendStateless}. */
export interface StatelessSendOptions {
  /** End-to-end headers of the client's request (`Mcp-Method`, `Mcp-Name`, every `Mcp-Param-*`, …). */
  headers: Headers;
  /** The request's revision (from its `_meta`, checked at the edge). */
  revision: Revision;
  /** Aborts the upstream request: the client went away. */
  signal: AbortSignal;
  /** The caller's id (`callerOf(request).id`), for interceptors and audit lines. */
  caller?: string;
}

/**
 * Sends one 2026-07-28 message upstream on a fresh connection, observed as client-to-server first.
 *
 * @param core The endpoint's session core (its upstream stack and observers).
 * @param message The client's request or notification, unchanged (its `_meta`, `traceparent` included).
 * @param options Headers to forward, the revision, the abort signal.
 * @throws {UpstreamUnavailableError} When the upstream cannot be reached (reported first).
 * @example
 * ```ts ignore
 * const ex = await sendStateless(core, request, { headers, revision: "2026-07-28", signal });
 * await core.deliver(ex.scope, [ex.reply], [request], "post", (m) => out.push(m), false);
 * await ex.close();
 * ```
 */
export async function sendStateless(
  core: SessionCore,
  message: JsonRpcMessage,
  options: StatelessSendOptions,
): Promise<StatelessExchange> {
  const scope: StatelessScope = { revision: options.revision };
  core.observer(scope, "client-to-server", "post")?.(message);
  const connection = core.upstream.connect();
  const aborter = new AbortController();
  const onAbort = () => aborter.abort();
  options.signal.addEventListener("abort", onAbort, { once: true });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    options.signal.removeEventListener("abort", onAbort);
    aborter.abort();
    await connection.close().catch(() => {});
  };
  try {
    const reply = await connection.send([message], {
      headers: options.headers,
      revision: options.revision,
      signal: aborter.signal,
      ...(options.caller !== undefined ? { caller: options.caller } : {}),
    });
    return { scope, reply, close };
  } catch (error) {
    core.report(error);
    await close();
    throw error instanceof UpstreamUnavailableError ? error : new UpstreamUnavailableError("The upstream failed");
  }
}
