/**
 * Sending on one inner connection of a resilient connection: the reply is watched (every request gets one
 * response, a silent request times out, see `watch_reply.ts`) and the connection counts as busy until the
 * reply is over, so a recovery meanwhile retires it without cutting that reply.
 *
 * @module
 */
import type { JsonRpcId, JsonRpcMessage } from "../jsonrpc/types.ts";
import { isRequest } from "../jsonrpc/types.ts";
import { watchReply } from "./watch_reply.ts";
import type { SendContext, UpstreamConnection, UpstreamReply } from "./types.ts";

/** Options of {@linkcode sendWatched}. */
export interface SendWatchedOptions {
  /** Silence after which a request times out (any message on its stream resets it), in ms; 0 off. */
  timeoutMs: number;
  /** Marks the connection busy with one more reply; the returned function (idempotent) says it is over. */
  hold: () => () => void;
  /** Told when a request timed out. */
  onTimeout?: (id: JsonRpcId) => void;
  /** Told when the reply stream broke for good (before the pending requests get their errors). */
  onFailure?: (error: unknown) => void;
}

/**
 * Sends `messages` on `inner` as described in the module doc; a timed-out request is cancelled upstream with
 * `notifications/cancelled` on the same connection.
 *
 * @returns The reply; a stream of messages is watched and releases the hold when it ends, fails or is
 * cancelled. Errors of `inner.send` are rethrown (after releasing the hold).
 * @example
 * ```ts ignore
 * const reply = await sendWatched(inner, [request], context, { timeoutMs: 60_000, hold: () => hold(inner) });
 * ```
 */
export async function sendWatched(
  inner: UpstreamConnection,
  messages: JsonRpcMessage[],
  context: SendContext | undefined,
  options: SendWatchedOptions,
): Promise<UpstreamReply> {
  const release = options.hold();
  let reply: UpstreamReply;
  try {
    reply = await inner.send(messages, context);
  } catch (error) {
    release();
    throw error;
  }
  if (reply.type !== "messages") {
    release();
    return reply;
  }
  const watched = watchReply(reply.messages, {
    pending: messages.filter(isRequest).map((r) => r.id),
    timeoutMs: options.timeoutMs,
    cancel: async (notification) => {
      const r = await inner.send([notification], context);
      if (r.type === "http") await r.response.body?.cancel();
      if (r.type === "messages") await r.messages.cancel();
    },
    onTimeout: options.onTimeout,
    onFailure: options.onFailure,
    onSettled: release,
  });
  return { ...reply, messages: watched };
}
