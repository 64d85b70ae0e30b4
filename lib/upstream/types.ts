/**
 * The upstream connector port: how the proxies talk to an MCP server, whatever its transport.
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";

/** One message received from the upstream, with the upstream's SSE event id when it had one. */
export interface UpstreamMessage {
  /** The message. */
  message: JsonRpcMessage;
  /** The upstream's event id (Streamable HTTP SSE only); opaque. */
  eventId?: string;
  /**
   * The message's JSON text exactly as the upstream sent it (one SSE event's data, or a JSON body of one
   * message), so that a face can pass it on without serialising `message` again. Only the connector that
   * parsed the text sets it; a layer that changes or replaces `message` makes a new item without it (the
   * interceptor decorator always does), so `data`, when present, is always `message`'s text.
   */
  data?: string;
}

/** What the upstream answered to a POST of client messages. */
export type UpstreamReply =
  /** The upstream accepted notifications/responses (HTTP 202, or written to a stdio child). */
  | { type: "accepted" }
  /**
   * Messages related to the POSTed requests: responses, plus notifications and requests the server sent
   * while handling them. `delivery` says whether they were known in full when the reply came (`"complete"`:
   * a JSON body, an answer made by mcpwire) or arrive over time (`"streamed"`: an SSE stream, a child's
   * output); a face answers complete replies as JSON and streamed ones as SSE. The stream ends once every
   * response arrived (or the upstream ended it).
   */
  | { type: "messages"; delivery: "complete" | "streamed"; messages: ReadableStream<UpstreamMessage> }
  /** An HTTP answer to relay as it is (401 with `WWW-Authenticate`, 400, 404, …). */
  | UpstreamHttpAnswer;

/** An HTTP answer of the upstream that is relayed as it is (a refused POST or GET). */
export interface UpstreamHttpAnswer {
  /** Always `"http"`. */
  type: "http";
  /** The upstream's response, body unread. */
  response: Response;
  /**
   * The connector's verdict: does this answer mean the upstream forgot the session the request carried?
   * `true` only when the request carried a session id and the answer says it is gone (404, T-SESS-06; or the
   * SDK-style 400, see `session_lost.ts`); `false` when it cannot mean that, above all because the request
   * carried no session id (a stateless upstream's 404 is about the URL or the method, never a session:
   * T-SESS-07 re-initializes only after a 404 "for a request carrying a session id"). Absent when the
   * connector cannot tell; `resilientUpstream` then judges the response itself.
   */
  sessionLost?: boolean;
}

/** Per-call context: the end-to-end headers of the downstream request to forward, and where it came from. */
export interface SendContext {
  /** The downstream session id (for interceptors, recorders and logs). */
  sessionId?: string;
  /** The protocol revision of the downstream session. */
  revision?: string;
  /** The id of the caller behind the message (`callerOf(request).id`), for interceptors and audit lines. */
  caller?: string;
  /** Headers to forward upstream (already stripped of hop-by-hop headers). */
  headers?: Headers;
  /** Aborts the call (e.g. at shutdown). A client disconnect does NOT abort (T-POST-09). */
  signal?: AbortSignal;
}

/** A connection to one upstream MCP session. */
export interface UpstreamConnection {
  /**
   * Sends client messages (one HTTP POST for Streamable HTTP; lines for stdio). An `initialize` request
   * establishes the upstream session.
   *
   * @throws {UpstreamUnavailableError} When the upstream cannot be reached at all.
   */
  send(messages: JsonRpcMessage[], context?: SendContext): Promise<UpstreamReply>;
  /**
   * Opens the standalone stream of server-initiated messages (the GET stream, or a stdio child's
   * unsolicited output). `null` means the upstream has none (HTTP 405; or 404 to a GET without a session id,
   * a stateless server, T-GET-01).
   */
  listen(context?: SendContext): Promise<ReadableStream<UpstreamMessage> | null | UpstreamHttpAnswer>;
  /** Ends the upstream session (HTTP DELETE, 405 tolerated; stdio: the child is ended). */
  close(): Promise<void>;
  /** Resolves when the upstream ended the connection by itself (child exited). */
  readonly ended: Promise<void>;
}

/** A factory of upstream connections: one per downstream session. */
export interface Upstream {
  /** Opens a new, not yet initialized, connection. */
  connect(): UpstreamConnection;
  /** What the upstream is, for logs: a URL or a command line. */
  readonly description: string;
}

/**
 * A finished stream of the given items: the `messages` of a reply that is known in full (a JSON reply,
 * an answer made by mcpwire itself).
 *
 * @example
 * ```ts
 * import { streamOf } from "./types.ts";
 * const reader = streamOf([1, 2]).getReader();
 * console.assert((await reader.read()).value === 1);
 * ```
 */
export function streamOf<T>(items: T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const item of items) controller.enqueue(item);
      controller.close();
    },
  });
}

/** The upstream could not be reached (connection refused, child failed to start, DNS, …). */
export class UpstreamUnavailableError extends Error {
  /** Always `"UpstreamUnavailableError"`. */
  override name = "UpstreamUnavailableError";
}

/**
 * One SSE event from the upstream was larger than the connector's `maxEventSize`
 * (`--max-upstream-event-bytes`): the stream is dropped, and a request it should have answered gets a
 * JSON-RPC error with this message. Not an outage: the session goes on.
 */
export class UpstreamEventTooLargeError extends Error {
  /** Always `"UpstreamEventTooLargeError"`. */
  override name = "UpstreamEventTooLargeError";
}

/**
 * The upstream forgot the session (HTTP 404 for a request carrying its session id, T-SESS-06/07; or a
 * legacy stream that ended). A client must initialize again; `resilientUpstream` (lib/upstream/resilient.ts) does it.
 */
export class UpstreamSessionLostError extends UpstreamUnavailableError {
  /** Always `"UpstreamSessionLostError"`. */
  override name = "UpstreamSessionLostError";
}
