/**
 * The interceptor contract: what an interceptor sees (a read-only envelope) and what it may answer (an
 * action). Modelled on Go's `httputil.ReverseProxy`: the "in" side is read-only, the message that goes on
 * is the editable "out", and one error handler decides what a failing interceptor means.
 *
 * @module
 */
import type { JsonRpcErrorObject, JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import type { Direction, Envelope } from "../protocol/envelope.ts";

/** A message an interceptor sends on its own, toward the server or toward the client. */
export interface Injection {
  direction: Direction;
  message: JsonRpcMessage;
}

/**
 * What an interceptor sees: the envelope (its `message` is the message as changed by the interceptors
 * before this one) plus, for a response, the request it answers when mcpwire knows it.
 */
export interface Intercepted extends Envelope {
  /** For a response: the request it answers (so rules can match a tool result by tool name). */
  request?: JsonRpcRequest;
  /** The id of the caller of the session (`callerOf(request).id`), when known; audit lines name it. */
  caller?: string;
}

/**
 * What an interceptor decides for one message. Every action may carry `inject`: extra messages sent
 * before the outcome takes effect.
 *
 * - `continue`: pass the message on, replaced by `message` when given; the next interceptor sees it.
 * - `block`: answer the sender of a request with a JSON-RPC error (default -32000 "Blocked by
 *   interceptor"); nothing goes on. A blocked notification is dropped; a blocked response is replaced by
 *   an error response with the same id.
 * - `respond`: answer the sender of a request with `result`; nothing goes on. On anything but a request it
 *   acts as `continue`.
 * - `drop`: discard a notification. Dropping a request or a response would leave its peer waiting
 *   forever, so there it acts as `block`.
 * - `delay`: wait `ms` milliseconds, then continue with the next interceptor.
 */
export type InterceptAction =
  | { action: "continue"; message?: JsonRpcMessage; inject?: Injection[] }
  | { action: "block"; error?: Partial<JsonRpcErrorObject>; inject?: Injection[] }
  | { action: "respond"; result: unknown; inject?: Injection[] }
  | { action: "drop"; inject?: Injection[] }
  | { action: "delay"; ms: number; inject?: Injection[] };

/**
 * An interceptor: called once per message (each batch member and each SSE event on its own). Returning
 * nothing means `continue` unchanged. It must not mutate `envelope.message`; return a changed copy in a
 * `continue` action instead.
 *
 * @example
 * ```ts
 * import type { Interceptor } from "./types.ts";
 * const noDelete: Interceptor = (e) =>
 *   "method" in e.message && e.message.method === "tools/call" &&
 *     (e.message.params as { name?: string })?.name === "delete"
 *     ? { action: "block", error: { message: "delete is disabled" } }
 *     : undefined;
 * ```
 */
export type Interceptor = (
  envelope: Readonly<Intercepted>,
) => InterceptAction | void | undefined | Promise<InterceptAction | void | undefined>;

/**
 * The final outcome of a chain for one message.
 *
 * - `forward`: send `message` on in its direction.
 * - `answer`: send `reply` back to the sender (the message does not go on).
 * - `drop`: nothing goes anywhere.
 *
 * `inject` lists the messages interceptors injected, in order.
 */
export type ChainOutcome =
  | { type: "forward"; message: JsonRpcMessage; inject: Injection[] }
  | { type: "answer"; reply: JsonRpcMessage; inject: Injection[] }
  | { type: "drop"; inject: Injection[] };
