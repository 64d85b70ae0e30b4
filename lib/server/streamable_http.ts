/**
 * The downstream Streamable HTTP endpoint (MCP 2025-03-26, 2025-06-18, 2025-11-25): POST, GET and DELETE
 * on one path, in front of any {@linkcode Upstream}. It answers status codes itself, keeps its own session
 * ids and event ids, and streams every upstream message to the client as soon as it arrives.
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import { ErrorCode, errorResponse, isRequest, isResponse } from "../jsonrpc/types.ts";
import { parseBody } from "../jsonrpc/parse.ts";
import {
  endToEndHeaders,
  LAST_EVENT_ID_HEADER,
  PROTOCOL_VERSION_HEADER,
  SESSION_ID_HEADER,
} from "../protocol/headers.ts";
import { isRevision, negotiateRevision, type Revision, rulesFor } from "../protocol/revisions.ts";
import type { Envelope } from "../protocol/envelope.ts";
import type { Upstream, UpstreamMessage, UpstreamReply } from "../client/types.ts";
import { UpstreamUnavailableError } from "../client/types.ts";
import { type EventStore, InMemoryEventStore } from "../stores/event_store.ts";
import { InMemorySessionStore, type SessionStore } from "../stores/session_store.ts";
import { Channel, type ChannelOptions, KeepAlive } from "./channel.ts";
import { HttpError, jsonResponse, toErrorResponse } from "./errors.ts";
import { accepts, checkPostHeaders, readBody } from "./negotiate.ts";
import { LiveSession, mintSessionId, SessionRegistry } from "./session.ts";

/** Options of {@linkcode createStreamableHttpEndpoint}. */
export interface StreamableHttpEndpointOptions {
  /** Where messages go: the upstream MCP server. */
  upstream: Upstream;
  /** @default new InMemoryEventStore() */
  eventStore?: EventStore;
  /** @default new InMemorySessionStore() */
  sessionStore?: SessionStore;
  /** Largest request body, in bytes. @default 4_194_304 (4 MiB) */
  maxBodyBytes?: number;
  /** Idle time after which a session expires, in ms; 0 never. @default 1_800_000 (30 minutes) */
  sessionIdleTimeoutMs?: number;
  /** Idle time before a keep-alive comment on an SSE stream, in ms; 0 never. @default 15_000 */
  keepAliveMs?: number;
  /** `retry` sent with priming events to 2025-11-25 clients, in ms. @default 1_000 */
  retryMs?: number;
  /** Serve the standalone GET stream; `false` answers GET with 405. @default true */
  getStream?: boolean;
  /** Observes every message that passes, in both directions. */
  onMessage?: (envelope: Envelope) => void;
  /** Observes every HTTP exchange once its status is known (duration in ms up to the response head). */
  onExchange?: (exchange: ExchangeInfo) => void;
  /** Receives errors worth logging (upstream failures, bugs). */
  onError?: (error: unknown) => void;
  /** Observes each resumption: the number of events replayed after a `Last-Event-ID`. */
  onReplay?: (count: number) => void;
}

/** One HTTP exchange, as reported to `onExchange`. */
export interface ExchangeInfo {
  method: string;
  status: number;
  /** Time from the request to the response head, in ms. */
  durationMs: number;
  sessionId?: string;
  /** JSON-RPC methods (or `response`) carried by a POST. */
  methods?: string[];
  /** `json`, `sse` or `empty`. */
  body: "json" | "sse" | "empty";
}

/** The endpoint: a Web-standard handler plus lifecycle and introspection. */
export interface StreamableHttpEndpoint {
  /** Handles POST, GET and DELETE (and answers 405 for other methods). */
  handle(request: Request): Promise<Response>;
  /** Ends every session and stops timers. */
  close(): Promise<void>;
  /** Live sessions and open SSE connections, for health and metrics. */
  stats(): { sessions: number; connections: number };
}

const ALLOW = "GET, POST, DELETE";

/**
 * Creates a Streamable HTTP endpoint in front of `upstream`.
 *
 * Behaviour per rule (IDs from `shared/spec-requirements.md`): 202 with an empty body for notification-
 * and response-only POSTs (T-POST-03); JSON or SSE for requests (T-POST-05); 400 for a missing session id
 * (T-SESS-05), 404 for an unknown, expired or deleted one (T-SESS-06); 405 with `Allow` (T-EP-03,
 * T-GET-01); 406 / 415 / 413 for bad `Accept`, `Content-Type` or size; -32700 / -32600 without id for
 * bad bodies (T-RPC-01/02/06); batches only in 2025-03-26 sessions (T-BATCH-*); `MCP-Protocol-Version`
 * validated from 2025-06-18 (T-PV-02); priming events for 2025-11-25 (T-RES-04); resumption with
 * `Last-Event-ID` strictly within the stream (T-RES-01..03).
 *
 * @example
 * ```ts ignore
 * const endpoint = createStreamableHttpEndpoint({ upstream: streamableHttpUpstream({ url }) });
 * const response = await endpoint.handle(new Request("http://127.0.0.1/mcp", { method: "POST", ... }));
 * ```
 */
export function createStreamableHttpEndpoint(options: StreamableHttpEndpointOptions): StreamableHttpEndpoint {
  const events = options.eventStore ?? new InMemoryEventStore();
  const keepAlive = new KeepAlive(options.keepAliveMs ?? 15_000);
  const retryMs = options.retryMs ?? 1_000;
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const getStream = options.getStream ?? true;
  const registry = new SessionRegistry({
    store: options.sessionStore ?? new InMemorySessionStore(),
    events,
    idleTimeoutMs: options.sessionIdleTimeoutMs ?? 30 * 60_000,
  });
  const report = options.onError ?? (() => {});

  const channelOptions = (priming: boolean): ChannelOptions => ({ store: events, priming, retryMs, keepAlive });

  function observe(session: LiveSession | undefined, direction: Envelope["direction"], stream: "post" | "get") {
    const onMessage = options.onMessage;
    if (!onMessage) return undefined;
    return (message: JsonRpcMessage, upstreamEventId?: string) => {
      const envelope: Envelope = { direction, message, stream, receivedAt: Date.now() };
      if (session) {
        envelope.sessionId = session.record.id;
        envelope.revision = session.record.revision;
      }
      if (upstreamEventId !== undefined) envelope.upstreamEventId = upstreamEventId;
      onMessage(envelope);
    };
  }

  async function sessionFor(request: Request): Promise<LiveSession> {
    const id = request.headers.get(SESSION_ID_HEADER);
    if (id === null) throw new HttpError("session_required", "Bad Request: Mcp-Session-Id header is required");
    const session = await registry.get(id);
    if (!session) throw new HttpError("session_not_found", "Session not found");
    return session;
  }

  /** T-PV-02: from 2025-06-18 an invalid or unsupported header value is refused. */
  function checkVersionHeader(request: Request, session: LiveSession): void {
    const value = request.headers.get(PROTOCOL_VERSION_HEADER);
    if (value === null || !session.rules.validatesVersionHeader) return;
    if (!isRevision(value) || rulesFor(value).transport === "stateless-http") {
      throw new HttpError("bad_protocol_version", `Bad Request: unsupported MCP-Protocol-Version ${value}`);
    }
  }

  function upstreamHeaders(request: Request): Headers {
    return endToEndHeaders(request.headers, [SESSION_ID_HEADER, "origin", "accept", "content-type"]);
  }

  async function handlePost(request: Request): Promise<Response> {
    checkPostHeaders(request.headers);
    const parsed = parseBody(await readBody(request, maxBody));
    if (!parsed.ok) throw new HttpError(parsed.error.code === ErrorCode.ParseError ? "parse_error" : "invalid_request", parsed.error.message);
    const { messages, batch } = parsed;
    const init = messages.find((m): m is JsonRpcRequest => isRequest(m) && m.method === "initialize");
    if (init) {
      if (batch) throw new HttpError("invalid_request", "Invalid Request: initialize must not be part of a batch");
      const existing = request.headers.get(SESSION_ID_HEADER);
      if (existing !== null) {
        if (await registry.get(existing)) {
          throw new HttpError("already_initialized", "Invalid Request: the session is already initialized");
        }
        throw new HttpError("session_not_found", "Session not found");
      }
      return await initialize(request, init);
    }
    const session = await sessionFor(request);
    checkVersionHeader(request, session);
    if (batch && !session.rules.batching) {
      throw new HttpError(
        "invalid_request",
        `Invalid Request: batches are not allowed in protocol revision ${session.record.revision}`,
      );
    }
    const c2s = observe(session, "client-to-server", "post");
    for (const m of messages) c2s?.(m);
    const headers = upstreamHeaders(request);
    const requests = messages.filter(isRequest);
    // A batch is sent message by message: every upstream revision accepts single messages (T-POST-01).
    const replies: UpstreamReply[] = [];
    for (const message of batch ? messages : [messages]) {
      replies.push(await sendUpstream(session, Array.isArray(message) ? message : [message], headers));
    }
    if (requests.length === 0) {
      const failed = replies.find((r) => r.type === "http");
      if (failed) return relay(failed.response, session);
      return new Response(null, { status: 202, headers: { [SESSION_ID_HEADER]: session.record.id } });
    }
    if (!batch && replies[0]!.type === "http") return relay(replies[0]!.response, session);
    // JSON stays JSON (a batch's answers become one array, T-BATCH-01); anything streamed becomes SSE.
    const streams = replies.flatMap((r) => (r.type === "messages" && r.format === "json" ? [r.messages] : []));
    if (streams.length > 0 && replies.every((r) => r.type === "accepted" || (r.type === "messages" && r.format === "json"))) {
      return await jsonReply(session, streams, batch);
    }
    return await sseReply(session, requests, replies, session.rules.primingEvents);
  }

  async function sendUpstream(session: LiveSession, messages: JsonRpcMessage[], headers: Headers): Promise<UpstreamReply> {
    try {
      return await session.upstream.send(messages, {
        headers,
        sessionId: session.record.id,
        revision: session.record.revision,
      });
    } catch (error) {
      report(error);
      const message = error instanceof UpstreamUnavailableError ? error.message : "The upstream failed";
      const requests = messages.filter(isRequest);
      if (requests.length === 0) return { type: "http", response: new HttpError("bad_gateway", message).toResponse() };
      return {
        type: "messages",
        format: "json",
        messages: streamOf(requests.map((r) => ({ message: errorResponse(r.id, ErrorCode.UpstreamError, message) }))),
      };
    }
  }

  async function initialize(request: Request, init: JsonRpcRequest): Promise<Response> {
    const connection = options.upstream.connect();
    const requested = (init.params as { protocolVersion?: unknown } | undefined)?.protocolVersion;
    const now = Date.now();
    const session = new LiveSession(
      { id: mintSessionId(), revision: negotiateRevision(requested), initialize: init, createdAt: now, lastSeenAt: now },
      connection,
    );
    observe(session, "client-to-server", "post")?.(init);
    let reply: UpstreamReply;
    try {
      reply = await connection.send([init], {
        headers: upstreamHeaders(request),
        sessionId: session.record.id,
        revision: session.record.revision,
      });
    } catch (error) {
      report(error);
      await connection.close().catch(() => {});
      const message = error instanceof UpstreamUnavailableError ? error.message : "The upstream failed";
      throw new HttpError("bad_gateway", message);
    }
    if (reply.type !== "messages") {
      await connection.close().catch(() => {});
      if (reply.type === "http") return relay(reply.response, undefined);
      throw new HttpError("bad_gateway", "The upstream accepted initialize without answering it");
    }
    // The negotiated revision is the one the upstream answered with (when mcpwire knows it).
    let succeeded = false;
    const messages = tap(reply.messages, (m) => {
      if (isResponse(m) && m.id === init.id && "result" in m) {
        succeeded = true;
        const v = (m.result as { protocolVersion?: unknown } | null)?.protocolVersion;
        if (isRevision(v) && rulesFor(v).sessions) session.record.revision = v;
      }
    });
    await registry.add(session);
    // A failed initialize leaves no session behind; a successful one is stored with its final revision.
    const settle = () => succeeded ? registry.save(session) : registry.close(session, "deleted");
    const priming = isRevision(requested) && rulesFor(requested).primingEvents;
    if (reply.format === "json") return await jsonReply(session, [messages], false, settle);
    return await sseReply(session, [init], [{ ...reply, messages }], priming, settle);
  }

  async function jsonReply(
    session: LiveSession,
    streams: ReadableStream<UpstreamMessage>[],
    asArray: boolean,
    settle?: () => Promise<void>,
  ): Promise<Response> {
    const s2c = observe(session, "server-to-client", "post");
    const out: JsonRpcMessage[] = [];
    for (const messages of streams) {
      for await (const { message, eventId } of messages) {
        s2c?.(message, eventId);
        out.push(message);
      }
    }
    await settle?.();
    const body = out.length === 1 && !asArray ? out[0] : out;
    return jsonResponse(body, 200, { [SESSION_ID_HEADER]: session.record.id });
  }

  async function sseReply(
    session: LiveSession,
    requests: JsonRpcRequest[],
    replies: UpstreamReply[],
    priming: boolean,
    settle?: () => Promise<void>,
  ): Promise<Response> {
    const channel = await Channel.create(session.record.id, channelOptions(priming));
    session.channels.set(channel.streamId, channel);
    const body = channel.attach();
    const s2c = observe(session, "server-to-client", "post");
    const pending = new Set(requests.map((r) => r.id));
    void (async () => {
      const pumps = replies.map(async (reply) => {
        if (reply.type === "accepted") return;
        if (reply.type === "http") {
          // Inside a batch an HTTP failure of one member becomes its JSON-RPC error.
          await reply.response.body?.cancel().catch(() => {});
          return;
        }
        try {
          for await (const { message, eventId } of reply.messages) {
            s2c?.(message, eventId);
            if (isResponse(message) && "id" in message && message.id != null) pending.delete(message.id);
            await channel.send(message);
          }
        } catch (error) {
          report(error);
        }
      });
      await Promise.all(pumps);
      // The client never hangs: a response that did not come gets an error (users.md item 15).
      for (const id of pending) {
        const message = errorResponse(id, ErrorCode.UpstreamError, "The upstream ended the stream without a response");
        s2c?.(message);
        await channel.send(message);
      }
      await settle?.();
      await channel.end();
      session.channels.delete(channel.streamId);
    })();
    return new Response(body, { status: 200, headers: sseHeaders(session.record.id) });
  }

  async function handleGet(request: Request): Promise<Response> {
    if (!getStream) throw new HttpError("method_not_allowed", "Method Not Allowed: this endpoint has no GET stream", { allow: "POST, DELETE" });
    if (!accepts(request.headers.get("accept"), "text/event-stream")) {
      throw new HttpError("not_acceptable", "Not Acceptable: Accept must list text/event-stream");
    }
    const session = await sessionFor(request);
    checkVersionHeader(request, session);
    const lastEventId = request.headers.get(LAST_EVENT_ID_HEADER);
    if (lastEventId !== null) return await resume(session, lastEventId);
    if (!session.standalone) {
      session.opening ??= openStandalone(session, upstreamHeaders(request));
      const outcome = await session.opening;
      session.opening = undefined;
      if (outcome instanceof Response) return outcome;
    }
    const standalone = session.standalone;
    if (!standalone) throw new HttpError("method_not_allowed", "Method Not Allowed: the upstream has no GET stream", { allow: "POST, DELETE" });
    // A second GET replaces the first connection (users.md item 8); the old body ends cleanly.
    return new Response(standalone.attach(), { status: 200, headers: sseHeaders(session.record.id) });
  }

  async function openStandalone(session: LiveSession, headers: Headers): Promise<Response | undefined> {
    if (session.standalone) return undefined;
    let listened;
    try {
      listened = await session.upstream.listen({
        headers,
        sessionId: session.record.id,
        revision: session.record.revision,
      });
    } catch (error) {
      report(error);
      throw new HttpError("bad_gateway", error instanceof Error ? error.message : "The upstream failed");
    }
    if (listened === null) {
      return new HttpError("method_not_allowed", "Method Not Allowed: the upstream has no GET stream", { allow: "POST, DELETE" }).toResponse();
    }
    if ("type" in listened) return relay(listened.response, session);
    const channel = await Channel.create(session.record.id, channelOptions(session.rules.primingEvents));
    session.standalone = channel;
    session.channels.set(channel.streamId, channel);
    const s2c = observe(session, "server-to-client", "get");
    void (async () => {
      try {
        for await (const { message, eventId } of listened) {
          s2c?.(message, eventId);
          await channel.send(message);
        }
      } catch (error) {
        report(error);
      }
      // The upstream ended its GET stream: end ours, so the client may open a new one.
      if (session.standalone === channel) session.standalone = undefined;
      session.channels.delete(channel.streamId);
      await channel.end();
    })();
    return undefined;
  }

  /** T-RES-02/03: replay the events after `lastEventId` of that same stream, then continue live. */
  async function resume(session: LiveSession, lastEventId: string): Promise<Response> {
    const result = await events.replayAfter(session.record.id, lastEventId);
    if (result.type === "unknown") {
      throw new HttpError("bad_last_event_id", "Bad Request: unknown Last-Event-ID for this session");
    }
    if (result.type === "evicted") {
      throw new HttpError("bad_last_event_id", "Bad Request: the events after this Last-Event-ID were evicted");
    }
    options.onReplay?.(result.events.length);
    const channel = session.channels.get(result.streamId);
    const headers = sseHeaders(session.record.id);
    if (channel) return new Response(channel.attach(result.events), { status: 200, headers });
    // The stream already ended: replay what is left of it, then close.
    const ended = await Channel.create(session.record.id, channelOptions(false));
    void ended.end();
    return new Response(ended.attach(result.events), { status: 200, headers });
  }

  async function handleDelete(request: Request): Promise<Response> {
    const session = await sessionFor(request);
    checkVersionHeader(request, session);
    await registry.close(session, "deleted");
    return new Response(null, { status: 200 });
  }

  return {
    async handle(request: Request): Promise<Response> {
      const started = Date.now();
      let response: Response;
      try {
        switch (request.method) {
          case "POST":
            response = await handlePost(request);
            break;
          case "GET":
            response = await handleGet(request);
            break;
          case "DELETE":
            response = await handleDelete(request);
            break;
          default:
            throw new HttpError("method_not_allowed", `Method Not Allowed: ${request.method}`, { allow: ALLOW });
        }
      } catch (error) {
        if (!(error instanceof HttpError)) report(error);
        response = toErrorResponse(error);
      }
      options.onExchange?.({
        method: request.method,
        status: response.status,
        durationMs: Date.now() - started,
        body: bodyKind(response),
        ...(request.headers.has(SESSION_ID_HEADER) || response.headers.has(SESSION_ID_HEADER)
          ? { sessionId: (response.headers.get(SESSION_ID_HEADER) ?? request.headers.get(SESSION_ID_HEADER))! }
          : {}),
      });
      return response;
    },
    async close() {
      await registry.closeAll();
      keepAlive.stop();
    },
    stats() {
      return { sessions: registry.size, connections: keepAlive.size };
    },
  };
}

/** Headers of every SSE response (users.md items 4, 5: no buffering by intermediaries). */
function sseHeaders(sessionId: string): Headers {
  return new Headers({
    "content-type": "text/event-stream",
    "cache-control": "no-cache, no-transform",
    "x-accel-buffering": "no",
    [SESSION_ID_HEADER]: sessionId,
  });
}

/**
 * Relays an upstream HTTP answer (401 with `WWW-Authenticate`, 400, 404, …) with its status and end-to-end
 * headers; the upstream session id is replaced by the downstream one.
 */
function relay(response: Response, session: LiveSession | undefined): Response {
  const headers = endToEndHeaders(response.headers, [SESSION_ID_HEADER]);
  if (session) headers.set(SESSION_ID_HEADER, session.record.id);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

function bodyKind(response: Response): "json" | "sse" | "empty" {
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("text/event-stream")) return "sse";
  return response.body === null ? "empty" : "json";
}

function streamOf<T>(items: T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const item of items) controller.enqueue(item);
      controller.close();
    },
  });
}

function tap<T extends { message: JsonRpcMessage }>(stream: ReadableStream<T>, fn: (m: JsonRpcMessage) => void): ReadableStream<T> {
  return stream.pipeThrough(new TransformStream<T, T>({
    transform(item, controller) {
      fn(item.message);
      controller.enqueue(item);
    },
  }));
}

export type { Revision };
