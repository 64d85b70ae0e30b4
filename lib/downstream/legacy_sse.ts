/**
 * The 2024-11-05 HTTP+SSE face for legacy clients, in front of any upstream: `GET /sse` opens an event
 * stream whose first event is `endpoint` (a same-origin message URL, T-LEG-02); client messages POSTed to
 * that URL are answered on the stream as `event: message` (T-LEG-03).
 *
 * It frames the same message-level session core as the Streamable HTTP face (sessions, upstream,
 * interception, recording are shared), directly: no internal HTTP requests, and the legacy client's reading
 * pace holds back the upstream (each message waits while the client is far behind).
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import { ErrorCode, errorResponse, isNotification, isRequest } from "../jsonrpc/types.ts";
import { parseBody } from "../jsonrpc/parse.ts";
import { mediaType } from "../protocol/headers.ts";
import { encodeEventBytes } from "../sse/encode.ts";
import { errorForHttpFailure } from "../kit/http_failure.ts";
import { UpstreamUnavailableError } from "../upstream/types.ts";
import type { SessionCore } from "../session/core.ts";
import type { LiveSession } from "../session/live_session.ts";
import { openSession } from "../session/open.ts";
import { mintSessionId } from "../session/session_id.ts";
import { closeSse, KeepAlive, openSseBody, type SseConnection, writeAndWait } from "../session/sse_connection.ts";
import { HttpError } from "./errors.ts";
import { accepts, readBody } from "./negotiate.ts";
import { checkSessionCaller, upstreamHeaders } from "./context.ts";
import { callerOf } from "../security/caller.ts";

/** Options of {@linkcode createLegacySseEndpoint}. */
export interface LegacySseOptions {
  /** The session core of the Streamable HTTP endpoint (`endpoint.core`): sessions are shared with it. */
  core: SessionCore;
  /** Path of the message endpoint announced in the `endpoint` event. @default "/message" */
  messagePath?: string;
  /** Largest POST body, in bytes. @default 4_194_304 */
  maxBodyBytes?: number;
  /** Longest time to receive a POST body, in ms; past it 408 (docs/security.md); 0 forever. @default 30_000 */
  bodyTimeoutMs?: number;
  /** Idle time before a keep-alive comment, in ms; 0 never. @default 15_000 */
  keepAliveMs?: number;
}

/** The legacy endpoints. */
export interface LegacySseEndpoint {
  /** `GET /sse`: opens a legacy session. */
  handleStream(request: Request): Response;
  /** `POST /message?sessionId=…`: a client message of a legacy session. */
  handleMessage(request: Request): Promise<Response>;
  /** Closes every legacy stream and ends its session. */
  close(): Promise<void>;
  /** Number of open legacy streams. */
  readonly size: number;
}

/** One legacy client: its event stream and, once it initialized, its session in the core. */
interface LegacyClient {
  id: string;
  connection: SseConnection;
  session: LiveSession | undefined;
  /** Resolves once `initialize` went through (messages before it wait). */
  initialized: Promise<void> | undefined;
  /** The request headers of the latest POST, forwarded upstream. */
  headers: Headers;
  /** The caller that opened the stream; only it may POST messages (docs/auth.md). */
  caller: string;
  closed: boolean;
}

/**
 * Creates the legacy HTTP+SSE endpoints over the session core `options.core`.
 *
 * @example
 * ```ts ignore
 * const legacy = createLegacySseEndpoint({ core: endpoint.core });
 * app.get("/sse", (c) => legacy.handleStream(c.req.raw));
 * app.post("/message", (c) => legacy.handleMessage(c.req.raw));
 * ```
 */
export function createLegacySseEndpoint(options: LegacySseOptions): LegacySseEndpoint {
  return new _LegacySseFace(options);
}

class _LegacySseFace implements LegacySseEndpoint {
  readonly #core: SessionCore;
  readonly #messagePath: string;
  readonly #maxBody: number;
  readonly #bodyTimeoutMs: number | undefined;
  readonly #keepAlive: KeepAlive;
  readonly #clients = new Map<string, LegacyClient>();

  constructor(options: LegacySseOptions) {
    this.#core = options.core;
    this.#messagePath = options.messagePath ?? "/message";
    this.#maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
    this.#bodyTimeoutMs = options.bodyTimeoutMs;
    this.#keepAlive = new KeepAlive(options.keepAliveMs ?? 15_000);
  }

  get size(): number {
    return this.#clients.size;
  }

  handleStream(request: Request): Response {
    if (!accepts(request.headers.get("accept"), "text/event-stream")) {
      throw new HttpError("not_acceptable", "Not Acceptable: Accept must list text/event-stream");
    }
    const id = mintSessionId();
    let client!: LegacyClient;
    const { body } = openSseBody(this.#keepAlive, {
      start: (connection) => {
        const headers = upstreamHeaders(request);
        const caller = callerOf(request).id;
        client = { id, connection, session: undefined, initialized: undefined, headers, caller, closed: false };
        this.#clients.set(id, client);
        // T-LEG-02: the first event names the message URL, relative to the SSE URL's origin.
        const endpoint = `${this.#messagePath}?sessionId=${id}`;
        void writeAndWait(connection, encodeEventBytes({ event: "endpoint", data: endpoint }));
      },
      cancel: () => void this.#end(client).catch(() => {}),
    });
    const headers = { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform" };
    return new Response(body, { status: 200, headers: { ...headers, "x-accel-buffering": "no" } });
  }

  async handleMessage(request: Request): Promise<Response> {
    const id = new URL(request.url).searchParams.get("sessionId");
    if (id === null) throw new HttpError("session_required", "Bad Request: the sessionId query parameter is required");
    const client = this.#clients.get(id);
    if (!client) throw new HttpError("session_not_found", "Session not found");
    checkSessionCaller(request, client.caller);
    if (mediaType(request.headers.get("content-type")) !== "application/json") {
      throw new HttpError("unsupported_media_type", "Unsupported Media Type: Content-Type must be application/json");
    }
    const parsed = parseBody(await readBody(request, this.#maxBody, this.#bodyTimeoutMs));
    if (!parsed.ok) {
      const code = parsed.error.code === ErrorCode.ParseError ? "parse_error" : "invalid_request";
      throw new HttpError(code, parsed.error.message);
    }
    client.headers = upstreamHeaders(request);
    for (const message of parsed.messages) {
      const delivery = this.#deliver(client, message).catch(async (error) => {
        const text = error instanceof UpstreamUnavailableError ? error.message : "Internal error";
        if (isRequest(message)) await this.#send(client, errorResponse(message.id, ErrorCode.InternalError, text));
      });
      if (isRequest(message) && message.method === "initialize") client.initialized = delivery;
    }
    return new Response("Accepted", { status: 202, headers: { "content-type": "text/plain" } });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#clients.values()].map((c) => this.#end(c)));
    this.#keepAlive.stop();
  }

  /** T-LEG-03: every server message is an `event: message`; the sender waits while the client is behind. */
  async #send(client: LegacyClient, message: JsonRpcMessage): Promise<void> {
    await writeAndWait(client.connection, encodeEventBytes({ event: "message", data: JSON.stringify(message) }));
  }

  async #deliver(client: LegacyClient, message: JsonRpcMessage): Promise<void> {
    if (isRequest(message) && message.method === "initialize") return await this.#initialize(client, message);
    await client.initialized;
    const session = client.session;
    if (!session) {
      if (!isRequest(message)) return;
      return await this.#send(client, errorResponse(message.id, ErrorCode.InvalidRequest, "Not initialized"));
    }
    const replies = await this.#core.send(session, [message], client.headers, false);
    if (isNotification(message) && message.method === "notifications/initialized" && replies[0]?.type === "accepted") {
      void this.#listen(client, session).catch(() => {});
    }
    const requests = isRequest(message) ? [message] : [];
    const refused = replies[0]?.type === "http" ? replies[0].response : undefined;
    if (!refused) return await this.#core.deliver(session, replies, requests, "post", (m) => this.#send(client, m));
    // The legacy stream has no status line: an HTTP refusal becomes the request's JSON-RPC error.
    if (requests[0]) await this.#send(client, await errorForHttpFailure(requests[0].id, refused));
    else await refused.body?.cancel().catch(() => {});
  }

  async #initialize(client: LegacyClient, init: JsonRpcRequest): Promise<void> {
    const opened = await openSession(this.#core, init, client.headers, client.caller);
    if (opened.type === "http") return await this.#send(client, await errorForHttpFailure(init.id, opened.response));
    client.session = opened.session;
    opened.session.holders++;
    opened.session.ending.addEventListener("abort", () => void this.#end(client), { once: true });
    await this.#core.deliver(opened.session, [opened.reply], [init], "post", (m) => this.#send(client, m));
    await opened.settle();
  }

  /** The standalone stream, once the client sent `notifications/initialized`: server messages go out too. */
  async #listen(client: LegacyClient, session: LiveSession): Promise<void> {
    if (client.closed) return;
    const listened = await this.#core.listen(session, client.headers);
    if (listened === null) return;
    if ("type" in listened) return void (await listened.response.body?.cancel().catch(() => {}));
    const reply = { type: "messages", delivery: "streamed", messages: listened } as const;
    await this.#core.deliver(session, [reply], [], "get", (m) => this.#send(client, m));
  }

  async #end(client: LegacyClient): Promise<void> {
    if (client.closed) return;
    client.closed = true;
    this.#clients.delete(client.id);
    closeSse(client.connection, this.#keepAlive);
    const session = client.session;
    if (session && !session.closed) await this.#core.registry.close(session, "deleted");
  }
}
