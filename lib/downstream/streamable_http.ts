/**
 * The downstream Streamable HTTP endpoint (MCP 2025-03-26, 2025-06-18, 2025-11-25 sessions, and stateless
 * 2026-07-28 requests on the same path, T-BC-04): POST, GET and DELETE on one path, in front of any
 * {@linkcode Upstream}. It answers status codes itself, keeps its own session
 * ids and event ids, and streams every upstream message to the client as soon as it arrives.
 *
 * @module
 */
import { DEFAULT_BODY_TIMEOUT_MS } from "./negotiate.ts";
import { SESSION_ID_HEADER } from "../protocol/headers.ts";
import type { Envelope } from "../protocol/envelope.ts";
import type { Upstream, UpstreamConnection } from "../upstream/types.ts";
import { replayInitialize } from "../upstream/replay_initialize.ts";
import type { JsonRpcNotification } from "../jsonrpc/types.ts";
import { type EventStore, InMemoryEventStore } from "../stores/event_store.ts";
import { InMemorySessionStore, type SessionRecord, type SessionStore } from "../stores/session_store.ts";
import { KeepAlive } from "../session/sse_connection.ts";
import { HttpError, toErrorResponse } from "./errors.ts";
import { SessionRegistry } from "../session/registry.ts";
import { Flights } from "../session/flights.ts";
import { SessionCore } from "../session/core.ts";
import { checkVersionHeader, type EndpointContext, sessionFor } from "./context.ts";
import { handlePost } from "./post.ts";
import { handleGet } from "./get.ts";
import { bodyKind } from "./responses.ts";
import type { SessionSealer } from "../session/sealed_ids.ts";
import { createEraCache, type EraCache } from "../upstream/era.ts";
import { ModernBridge } from "../bridge/bridge.ts";

/** Options of {@linkcode createStreamableHttpEndpoint}. */
export interface StreamableHttpEndpointOptions {
  /** Where messages go: the upstream MCP server. */
  upstream: Upstream;
  /** @default new InMemoryEventStore() */
  eventStore?: EventStore;
  /** @default new InMemorySessionStore() */
  sessionStore?: SessionStore;
  /**
   * Seals each session's record into its id so that any instance with the same key continues the session's
   * POSTs without a shared store (issue 14; `lib/session/sealed_ids.ts`). For HTTP upstreams: a revived
   * session re-initializes its upstream (T-SESS-07). Resumption across instances still needs a shared store.
   */
  sessionSealer?: SessionSealer;
  /** Largest request body, in bytes. @default 4_194_304 (4 MiB) */
  maxBodyBytes?: number;
  /**
   * Longest time a client may take to send a request body, in ms; past it 408 with a JSON-RPC error and the
   * connection is closed (slow-body clients, docs/security.md); 0 waits forever. @default 30_000
   */
  bodyTimeoutMs?: number;
  /** Idle time after which a session expires, in ms; 0 never. @default 1_800_000 (30 minutes) */
  sessionIdleTimeoutMs?: number;
  /** Idle time before a keep-alive comment on an SSE stream, in ms; 0 never. @default 15_000 */
  keepAliveMs?: number;
  /** `retry` sent with priming events to 2025-11-25 clients, in ms. @default 1_000 */
  retryMs?: number;
  /** Serve the standalone GET stream; `false` answers GET with 405. @default true */
  getStream?: boolean;
  /**
   * The upstream's era (T-BC-03): 2026-07-28 requests are forwarded while it is `unknown` or `2026-07-28`
   * (the first answer decides), and refused with a non-modern 400 once it is `2025`, so that a dual-era
   * client falls back to `initialize`. `buildUpstream` makes one per upstream. @default createEraCache("auto")
   */
  era?: EraCache;
  /**
   * Serve only 2026-07-28: GET and DELETE get 405 with `Allow: POST` (T-GET-06) and `initialize` gets 400
   * with -32022 naming the supported versions (T-LIFE-05). @default false (both eras on one endpoint, T-BC-04)
   */
  modernOnly?: boolean;
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
  /** Live sessions held here that caller `id` (`callerOf(request).id`) created (`--max-sessions-per-caller`). */
  sessionsOf(id: string): number;
  /** The message-level session core, shared with the other faces (the legacy HTTP+SSE one). */
  readonly core: SessionCore;
}

const ALLOW = "GET, POST, DELETE";

/** The `notifications/initialized` replayed after the recorded `initialize` of a revived session. */
const INITIALIZED: JsonRpcNotification = { jsonrpc: "2.0", method: "notifications/initialized" };

/**
 * An initialized upstream connection for a session another instance created (SessionStore read-through):
 * the recorded `initialize` is replayed under a proxy-owned id (its result never reaches the client,
 * T-SESS-07), then `notifications/initialized` — the session was past its handshake when it was continued.
 *
 * @throws {UpstreamUnavailableError} When the upstream refuses or does not answer in time (15 s).
 */
async function reviveUpstream(
  upstream: Upstream,
  record: SessionRecord,
  headers: Headers | undefined,
): Promise<UpstreamConnection> {
  const connection = upstream.connect();
  try {
    await replayInitialize(connection, {
      initialize: record.initialize,
      initialized: INITIALIZED,
      ...(headers ? { headers } : {}),
      timeoutMs: 15_000,
    });
  } catch (error) {
    await connection.close().catch(() => {});
    throw error;
  }
  return connection;
}

/**
 * Creates a Streamable HTTP endpoint in front of `upstream`.
 *
 * Behaviour per rule (IDs from `docs/spec-rules.md`): 202 with an empty body for notification-
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
  const sessionStore = options.sessionStore ?? new InMemorySessionStore();
  const registry = new SessionRegistry({
    store: sessionStore,
    events,
    idleTimeoutMs: options.sessionIdleTimeoutMs ?? 30 * 60_000,
    revive: (record, headers) => reviveUpstream(options.upstream, record, headers),
    ...(options.sessionSealer ? { sealer: options.sessionSealer } : {}),
  });
  const report = options.onError ?? (() => {});
  const core = new SessionCore({ upstream: options.upstream, registry, onMessage: options.onMessage, report });
  const ctx: EndpointContext = {
    core,
    events,
    keepAlive,
    retryMs: options.retryMs ?? 1_000,
    maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024,
    bodyTimeoutMs: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
    getStream: options.getStream ?? true,
    onReplay: options.onReplay,
    era: options.era ?? createEraCache("auto"),
    modernOnly: options.modernOnly ?? false,
    bridge: new ModernBridge(core),
    report,
    flights: new Flights(sessionStore),
  };

  async function handleDelete(request: Request): Promise<Response> {
    const session = await sessionFor(ctx, request);
    checkVersionHeader(request, session);
    await registry.close(session, "deleted");
    return new Response(null, { status: 200 });
  }

  return {
    async handle(request: Request): Promise<Response> {
      const started = Date.now();
      let response: Response;
      try {
        if (ctx.modernOnly && request.method !== "POST") {
          // T-GET-06: a 2026-07-28-only server has no GET stream and no sessions to DELETE.
          throw new HttpError("method_not_allowed", `Method Not Allowed: ${request.method}`, { allow: "POST" });
        }
        switch (request.method) {
          case "POST":
            response = await handlePost(ctx, request);
            break;
          case "GET":
            response = await handleGet(ctx, request);
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
      await ctx.bridge.close();
      ctx.flights.stop();
      await registry.closeAll();
      keepAlive.stop();
    },
    stats() {
      return { sessions: registry.size, connections: keepAlive.size };
    },
    sessionsOf: (id) => registry.sessionsOf(id),
    core,
  };
}
