/**
 * The 2024-11-05 HTTP+SSE endpoints for legacy clients, in front of any upstream: `GET /sse` opens an event
 * stream whose first event is `endpoint` (a same-origin message URL, T-LEG-02); client messages POSTed to
 * that URL are answered on the stream as `event: message` (T-LEG-03).
 *
 * It is an adapter over the Streamable HTTP endpoint: each legacy session drives one internal Streamable
 * HTTP session, so sessions, resumable upstream work, interception and recording are shared.
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import { ErrorCode, errorResponse, isNotification, isRequest } from "../jsonrpc/types.ts";
import { parseBody } from "../jsonrpc/parse.ts";
import { SESSION_ID_HEADER } from "../protocol/headers.ts";
import { encodeEventBytes } from "../sse/encode.ts";
import { decodeSse } from "../sse/decode.ts";
import { mediaType } from "../protocol/headers.ts";
import { KeepAlive, type SseConnection, writeSse } from "../session/channel.ts";
import { HttpError } from "./errors.ts";
import { accepts, readBody } from "./negotiate.ts";
import { mintSessionId } from "../session/registry.ts";
import type { StreamableHttpEndpoint } from "./streamable_http.ts";

/** Options of {@linkcode createLegacySseEndpoint}. */
export interface LegacySseOptions {
  /** The Streamable HTTP endpoint that does the work. */
  endpoint: StreamableHttpEndpoint;
  /** Path of the message endpoint announced in the `endpoint` event. @default "/message" */
  messagePath?: string;
  /** Largest POST body, in bytes. @default 4_194_304 */
  maxBodyBytes?: number;
  /** Idle time before a keep-alive comment, in ms; 0 never. @default 15_000 */
  keepAliveMs?: number;
}

/** The legacy endpoints. */
export interface LegacySseEndpoint {
  /** `GET /sse`: opens a legacy session. */
  handleStream(request: Request): Response;
  /** `POST /message?sessionId=…`: a client message of a legacy session. */
  handleMessage(request: Request): Promise<Response>;
  /** Closes every legacy stream and its internal session. */
  close(): Promise<void>;
  /** Number of open legacy sessions. */
  readonly size: number;
}

interface LegacySession {
  id: string;
  connection: SseConnection;
  /** The internal Streamable HTTP session id, once initialized. */
  internalId: string | undefined;
  /** Resolves once `initialize` went through (messages before it wait). */
  initialized: Promise<void> | undefined;
  listening: boolean;
  closed: boolean;
}

const INTERNAL_URL = "http://mcpwire.internal/mcp";

/**
 * Creates the legacy HTTP+SSE endpoints over `options.endpoint`.
 *
 * @example
 * ```ts ignore
 * const legacy = createLegacySseEndpoint({ endpoint });
 * app.get("/sse", (c) => legacy.handleStream(c.req.raw));
 * app.post("/message", (c) => legacy.handleMessage(c.req.raw));
 * ```
 */
export function createLegacySseEndpoint(options: LegacySseOptions): LegacySseEndpoint {
  const endpoint = options.endpoint;
  const messagePath = options.messagePath ?? "/message";
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const keepAlive = new KeepAlive(options.keepAliveMs ?? 15_000);
  const sessions = new Map<string, LegacySession>();

  const send = (session: LegacySession, message: JsonRpcMessage) =>
    writeSse(session.connection, encodeEventBytes({ event: "message", data: JSON.stringify(message) }));

  function internal(session: LegacySession, method: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {
      accept: method === "GET" ? "text/event-stream" : "application/json, text/event-stream",
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (session.internalId) headers[SESSION_ID_HEADER] = session.internalId;
    return endpoint.handle(
      new Request(INTERNAL_URL, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
    );
  }

  /** Forwards the messages of an internal response to the legacy stream; HTTP errors become JSON-RPC errors. */
  async function pipe(session: LegacySession, response: Response, message: JsonRpcMessage): Promise<void> {
    const type = mediaType(response.headers.get("content-type"));
    if (type === "text/event-stream" && response.body) {
      for await (const item of decodeSse(response.body)) {
        if (session.closed) break;
        if (item.type === "event" && item.data !== "") send(session, JSON.parse(item.data));
      }
      return;
    }
    const text = await response.text();
    if (response.ok && type === "application/json") {
      const value = JSON.parse(text);
      for (const m of Array.isArray(value) ? value : [value]) send(session, m);
      return;
    }
    if (!response.ok && isRequest(message)) {
      let error: { code: number; message: string } = {
        code: ErrorCode.UpstreamError,
        message: `HTTP ${response.status}`,
      };
      try {
        error = JSON.parse(text).error ?? error;
      } catch {
        // Keep the HTTP status as the message.
      }
      send(session, errorResponse(message.id, error.code, error.message));
    }
  }

  async function openListener(session: LegacySession): Promise<void> {
    if (session.listening || session.closed) return;
    session.listening = true;
    const response = await internal(session, "GET");
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel();
      return;
    }
    await pipe(session, response, { jsonrpc: "2.0", method: "listen" });
  }

  async function deliver(session: LegacySession, message: JsonRpcMessage): Promise<void> {
    if (isRequest(message) && message.method === "initialize") {
      const response = await internal(session, "POST", message);
      session.internalId = response.headers.get(SESSION_ID_HEADER) ?? undefined;
      await pipe(session, response, message);
      return;
    }
    await session.initialized;
    const response = await internal(session, "POST", message);
    if (isNotification(message) && message.method === "notifications/initialized" && response.status === 202) {
      void openListener(session).catch(() => {});
    }
    await pipe(session, response, message);
  }

  async function end(session: LegacySession): Promise<void> {
    if (session.closed) return;
    session.closed = true;
    sessions.delete(session.id);
    keepAlive.delete(session.connection);
    if (!session.connection.closed) {
      session.connection.closed = true;
      try {
        session.connection.controller.close();
      } catch {
        // Already closed.
      }
    }
    if (session.internalId) await (await internal(session, "DELETE")).body?.cancel();
  }

  return {
    get size() {
      return sessions.size;
    },

    handleStream(request: Request): Response {
      if (!accepts(request.headers.get("accept"), "text/event-stream")) {
        throw new HttpError("not_acceptable", "Not Acceptable: Accept must list text/event-stream");
      }
      const id = mintSessionId();
      let session!: LegacySession;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          const connection: SseConnection = { controller, lastWriteAt: Date.now(), closed: false };
          session = { id, connection, internalId: undefined, initialized: undefined, listening: false, closed: false };
          sessions.set(id, session);
          keepAlive.add(connection);
          // T-LEG-02: the first event names the message URL, relative to the SSE URL's origin.
          writeSse(connection, encodeEventBytes({ event: "endpoint", data: `${messagePath}?sessionId=${id}` }));
        },
        cancel() {
          session.connection.closed = true;
          void end(session).catch(() => {});
        },
      });
      return new Response(body, {
        status: 200,
        headers: {
          "content-type": "text/event-stream",
          "cache-control": "no-cache, no-transform",
          "x-accel-buffering": "no",
        },
      });
    },

    async handleMessage(request: Request): Promise<Response> {
      const id = new URL(request.url).searchParams.get("sessionId");
      if (id === null) {
        throw new HttpError("session_required", "Bad Request: the sessionId query parameter is required");
      }
      const session = sessions.get(id);
      if (!session) throw new HttpError("session_not_found", "Session not found");
      const type = mediaType(request.headers.get("content-type"));
      if (type !== "application/json") {
        throw new HttpError("unsupported_media_type", "Unsupported Media Type: Content-Type must be application/json");
      }
      const parsed = parseBody(await readBody(request, maxBody));
      if (!parsed.ok) {
        throw new HttpError(
          parsed.error.code === ErrorCode.ParseError ? "parse_error" : "invalid_request",
          parsed.error.message,
        );
      }
      for (const message of parsed.messages) {
        const delivery = deliver(session, message).catch(() => {
          if (isRequest(message)) send(session, errorResponse(message.id, ErrorCode.InternalError, "Internal error"));
        });
        if (isRequest(message) && message.method === "initialize") session.initialized = delivery;
      }
      return new Response("Accepted", { status: 202, headers: { "content-type": "text/plain" } });
    },

    async close() {
      await Promise.all([...sessions.values()].map((s) => end(s)));
      keepAlive.stop();
    },
  };
}
