/**
 * A client session as the checks use it: the headers every later request carries (session id, protocol
 * version from 2025-06-18), POST/GET/DELETE bound to them, and `call`, which follows the response stream
 * across reconnections.
 *
 * @module
 */
import type { RequestOptions } from "./environment.ts";
import { Followed } from "./follow.ts";
import { rpc } from "./messages.ts";
import type { Message, Reply } from "./reply.ts";
import type { SuiteRevision } from "./terms.ts";

/**
 * What a session needs of the check context (`Context` in context.ts has it all): stated here, so that
 * the context can build sessions without an import cycle.
 */
export interface SessionHost {
  /** The revision under test. */
  readonly revision: SuiteRevision;
  /** Default time allowed for each network wait, in ms. */
  readonly timeoutMs: number;
  /** A fresh request id with `prefix`. */
  nextId(prefix?: string): string;
  /** Is the revision under test `revision` or later? */
  atLeast(revision: SuiteRevision): boolean;
  /** Sends a request with `method` to the endpoint. */
  request(method: string, options?: RequestOptions): Promise<Reply>;
  /** POSTs a message to the endpoint. */
  post(message: unknown, options?: RequestOptions): Promise<Reply>;
}

/** A client session (or a sessionless connection) established with `initialize`. */
export interface Session {
  /** The `Mcp-Session-Id` the server issued, if any. */
  id?: string;
  /** The protocol version from the InitializeResult. */
  negotiated: string;
  /** The InitializeResult. */
  result: Message;
  /** The reply that carried the InitializeResult. */
  initReply: Reply;
  /** Headers every later request of this session carries (session id, protocol version). */
  headers(): Record<string, string>;
  /** POSTs a message (object, array or raw string) with the session headers. */
  post(message: unknown, options?: RequestOptions): Promise<Reply>;
  /** Opens a GET on the endpoint with the session headers and `Accept: text/event-stream`. */
  get(options?: RequestOptions): Promise<Reply>;
  /** Sends DELETE with the session headers. */
  delete(options?: RequestOptions): Promise<Reply>;
  /** POSTs a request and reads until its response arrives; `response` is undefined when it did not. */
  call(method: string, params?: Record<string, unknown>, options?: RequestOptions): Promise<CallResult>;
}

/** The result of {@link Session.call}. */
export interface CallResult {
  /** The request id. */
  id: string;
  /** The reply to the POST. */
  reply: Reply;
  /** The POST reply and any resumed streams. */
  replies: Reply[];
  /** The response, when it arrived. */
  response?: Message;
  /** Every message read on the way, including the response. */
  messages: Message[];
}

/** Builds the {@link Session} for the InitializeResult `result` carried by `initReply`. */
export function createSession(ctx: SessionHost, initReply: Reply, result: Message): Session {
  const id = initReply.headers.get("mcp-session-id") ?? undefined;
  const negotiated = typeof result.protocolVersion === "string" ? result.protocolVersion : ctx.revision;
  const headers = (): Record<string, string> => {
    const out: Record<string, string> = {};
    if (id !== undefined) out["mcp-session-id"] = id;
    if (ctx.atLeast("2025-06-18")) out["mcp-protocol-version"] = negotiated;
    return out;
  };
  const session: Session = {
    negotiated,
    result,
    initReply,
    headers,
    post: (message, options = {}) => ctx.post(message, { ...options, headers: { ...headers(), ...options.headers } }),
    get: (options = {}) =>
      ctx.request("GET", { ...options, headers: { accept: "text/event-stream", ...headers(), ...options.headers } }),
    delete: (options = {}) => ctx.request("DELETE", { ...options, headers: { ...headers(), ...options.headers } }),
    async call(method, params, options = {}) {
      const requestId = ctx.nextId(method.replace(/\W+/g, "-"));
      const reply = await session.post(rpc(requestId, method, params), options);
      const followed = new Followed(session, reply, options.timeoutMs ?? ctx.timeoutMs);
      const read = await followed.readResponse(requestId);
      const out: CallResult = { id: requestId, reply, replies: followed.replies, messages: followed.messages };
      if (read.matched) out.response = read.matched;
      return out;
    },
  };
  if (id !== undefined) session.id = id;
  return session;
}
