/**
 * Admission: the answer mcpwire gives to each request before it takes it on, from the budget
 * (`limits.ts`): the proxy-wide stream and session caps (503 + `Retry-After`, before authentication, so a
 * flood is refused before any key is checked) and the per-caller and per-session limits (429 +
 * `Retry-After`, after authentication, when the caller is known): sessions per caller, the `initialize`
 * rate, requests and SSE streams per session. Every refusal carries a JSON-RPC error body and an audit
 * line (docs/security.md); nothing already admitted is cut.
 *
 * @module
 */
import { onStreamEnd } from "../kit/streams.ts";
import { audit, requestFields } from "./audit.ts";
import { ANONYMOUS, callerOf } from "./caller.ts";
import { createRateLimiter } from "./rate.ts";
import type { StreamLimits } from "./limits.ts";
import {
  carriesRequest,
  classify,
  limitResponse,
  overloadedResponse,
  rateLimitedResponse,
  REFUSAL_REASONS,
  type RefusalKind,
} from "./refusals.ts";

/** What the proxy holds now, read at each admission. */
export interface Usage {
  /** Open SSE streams (downstream connections). */
  streams: number;
  /** Live sessions. */
  sessions: number;
  /** Live sessions that caller `id` holds; without it, `maxSessionsPerCaller` is not enforced. */
  sessionsOf?: (id: string) => number;
}

/** Options of {@linkcode createAdmission}. */
export interface AdmissionOptions {
  limits: StreamLimits;
  /** Reads the current usage (the endpoint's stats). */
  usage: () => Usage;
  /** Path of the MCP endpoint. @default "/mcp" */
  path?: string;
  /** Path of the legacy 2024-11-05 stream. @default "/sse" */
  legacyPath?: string;
  /** `Retry-After` of a refusal, in seconds. @default 2 */
  retryAfterSeconds?: number;
}

/** The admission check in front of the proxy's handler. */
export interface Admission {
  /**
   * Wraps the whole server, before authentication: requests that would open a session or stream past the
   * proxy's budget get 503 (cheap, so a flood meets it before any key is checked).
   */
  wrap(handler: (request: Request) => Promise<Response>): (request: Request) => Promise<Response>;
  /**
   * Wraps the MCP handlers after authentication (the caller is known there, `callerOf`): the caller's
   * `initialize` rate and live sessions, and the session's requests in flight and open streams, get 429.
   */
  wrapCaller(handler: (request: Request) => Promise<Response>): (request: Request) => Promise<Response>;
  /** The limits in force. */
  limits: StreamLimits;
  /** Refusals so far, by kind. */
  refused(): Record<RefusalKind, number>;
  /** Prometheus text lines: the limits and refusals (appended to `/metrics`). */
  renderMetrics(): string;
}

/**
 * Creates the admission check. Requests admitted but not yet answered count as pending, so a burst of
 * concurrent GETs cannot all pass before the first of them shows up in `usage()`. Past the budget only new
 * sessions and new GET streams are refused (503). Per caller and per session (429): an `initialize` past
 * the caller's live sessions; a GET past the session's open streams; a POST that carries a request past the
 * session's requests in flight or open streams. A POST of only responses and notifications always passes,
 * and nothing already admitted is cut. Every refusal writes a `limit_hit` audit line.
 *
 * @example
 * ```ts
 * import { createAdmission } from "./admission.ts";
 * const admission = createAdmission({ limits: { maxStreams: 0, maxSessions: 0 }, usage: () => ({ streams: 0, sessions: 0 }) });
 * const handler = admission.wrap(admission.wrapCaller(() => Promise.resolve(new Response("ok"))));
 * const r = await handler(new Request("http://127.0.0.1/mcp", { method: "POST", body: "{}" }));
 * console.assert(r.status === 503 && r.headers.get("retry-after") === "2");
 * ```
 */
export function createAdmission(options: AdmissionOptions): Admission {
  const { limits } = options;
  const retryAfter = options.retryAfterSeconds ?? 2;
  const refused: Record<RefusalKind, number> = {
    session: 0,
    stream: 0,
    rate: 0,
    caller_sessions: 0,
    session_requests: 0,
    session_streams: 0,
  };
  const rate = limits.initializeRate ? createRateLimiter(limits.initializeRate) : undefined;
  const maxSessions = Math.min(limits.maxSessions, limits.maxChildren ?? Infinity);
  const perSessionLimits = limits.maxRequestsPerSession !== undefined || limits.maxStreamsPerSession !== undefined;
  const mcpPath = options.path ?? "/mcp";
  const isMcp = (request: Request) =>
    (request.method === "POST" || request.method === "GET") && new URL(request.url).pathname === mcpPath &&
    request.headers.has("mcp-session-id");
  let pendingStreams = 0;
  let pendingSessions = 0;
  const full = (kind: RefusalKind): boolean => {
    const usage = options.usage();
    const streamsFull = usage.streams + pendingStreams >= limits.maxStreams;
    if (kind === "stream") return streamsFull;
    return streamsFull || usage.sessions + pendingSessions >= maxSessions;
  };
  /** Per session: requests admitted and not answered to their end, and SSE streams open. */
  const inFlight = new Map<string, number>();
  const streams = new Map<string, number>();
  const pendingByCaller = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, by: number) => {
    const n = (map.get(key) ?? 0) + by;
    if (n > 0) map.set(key, n);
    else map.delete(key);
  };
  /** Holds session `sid` in each of `maps` until the response body ends. */
  const holdUntilEnd = (response: Response, maps: Map<string, number>[], sid: string): Response => {
    if (!response.body) return response;
    for (const map of maps) add(map, sid, 1);
    const body = onStreamEnd(response.body, () => {
      for (const map of maps) add(map, sid, -1);
    });
    if (body === response.body) return response;
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  const isSse = (response: Response) => response.headers.get("content-type")?.startsWith("text/event-stream") ?? false;
  /** The per-session limit a request of live session `sid` is past, if any. */
  const sessionRefusal = async (request: Request, sid: string): Promise<RefusalKind | undefined> => {
    const requestsFull = (inFlight.get(sid) ?? 0) >= (limits.maxRequestsPerSession ?? Infinity);
    const streamsFull = (streams.get(sid) ?? 0) >= (limits.maxStreamsPerSession ?? Infinity);
    if (request.method === "GET") return streamsFull ? "session_streams" : undefined;
    if (!requestsFull && !streamsFull) return undefined;
    if (!(await carriesRequest(request))) return undefined;
    return requestsFull ? "session_requests" : "session_streams";
  };
  const perSession = async (request: Request, handler: (request: Request) => Promise<Response>) => {
    const sid = request.headers.get("mcp-session-id")!;
    const over = await sessionRefusal(request, sid);
    if (over !== undefined) {
      const limit = over === "session_requests" ? limits.maxRequestsPerSession! : limits.maxStreamsPerSession!;
      return await refuse(request, over, limitResponse(over, limit, 1));
    }
    if (request.method === "POST") add(inFlight, sid, 1);
    let response: Response;
    try {
      response = await handler(request);
    } finally {
      if (request.method === "POST") add(inFlight, sid, -1);
    }
    // A JSON answer is complete here; a streamed one holds its request slot and a stream until its end.
    if (!isSse(response)) return response;
    return holdUntilEnd(response, request.method === "POST" ? [inFlight, streams] : [streams], sid);
  };
  const refuse = async (request: Request, kind: RefusalKind, response: Response) => {
    refused[kind]++;
    audit({
      decision: "limit_hit",
      reason: REFUSAL_REASONS[kind],
      caller: callerOf(request).id,
      status: response.status,
      ...requestFields(request),
    });
    await request.body?.cancel().catch(() => {});
    return response;
  };
  return {
    limits,
    refused: () => ({ ...refused }),
    wrap(handler) {
      return async (request) => {
        const kind = classify(request, options.path, options.legacyPath);
        if (kind === undefined || kind === "rate") return await handler(request);
        if (full(kind)) return await refuse(request, kind, overloadedResponse(kind, limits, retryAfter));
        // A new session is also expected to open a stream; both count until the answer is out.
        if (kind === "session") pendingSessions++;
        pendingStreams++;
        try {
          return await handler(request);
        } finally {
          if (kind === "session") pendingSessions--;
          pendingStreams--;
        }
      };
    },
    wrapCaller(handler) {
      return async (request) => {
        const kind = classify(request, options.path, options.legacyPath);
        if (kind !== "session") {
          return perSessionLimits && isMcp(request) ? await perSession(request, handler) : await handler(request);
        }
        const caller = callerOf(request).id;
        const wait = rate?.take(caller) ?? 0;
        if (wait > 0) return await refuse(request, "rate", rateLimitedResponse(wait));
        const perCaller = limits.maxSessionsPerCaller;
        const sessionsOf = options.usage().sessionsOf;
        // Without authentication every client is `anonymous`: one caller, bounded by maxSessions instead.
        if (perCaller !== undefined && sessionsOf && caller !== ANONYMOUS.id) {
          if (sessionsOf(caller) + (pendingByCaller.get(caller) ?? 0) >= perCaller) {
            return await refuse(request, "caller_sessions", limitResponse("caller_sessions", perCaller, retryAfter));
          }
        }
        add(pendingByCaller, caller, 1);
        try {
          return await handler(request);
        } finally {
          add(pendingByCaller, caller, -1);
        }
      };
    },
    renderMetrics() {
      const gauge = (
        name: string,
        help: string,
        n: number,
      ) => [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${Number.isFinite(n) ? String(n) : "+Inf"}`];
      return [
        ...gauge(
          "mcpwire_max_streams",
          "Most open SSE streams the proxy takes on (from the open-file limit or --max-streams).",
          limits.maxStreams,
        ),
        ...gauge(
          "mcpwire_max_sessions",
          "Most live sessions the proxy takes on (from the open-file limit or --max-sessions).",
          limits.maxSessions,
        ),
        "# HELP mcpwire_refused_total Requests refused: 503 past the session/stream/children budget, 429 past the initialize rate or a per-caller/per-session limit.",
        "# TYPE mcpwire_refused_total counter",
        ...(Object.keys(refused) as RefusalKind[]).map((k) => `mcpwire_refused_total{kind="${k}"} ${refused[k]}`),
        ...gauge(
          "mcpwire_max_stdio_children",
          "Most stdio children alive at once (--max-children; +Inf for a URL upstream).",
          limits.maxChildren ?? Infinity,
        ),
        ...gauge(
          "mcpwire_max_sessions_per_caller",
          "Most live sessions one caller holds (--max-sessions-per-caller).",
          limits.maxSessionsPerCaller ?? Infinity,
        ),
        ...gauge(
          "mcpwire_max_requests_per_session",
          "Most requests of one session in flight (--max-requests-per-session).",
          limits.maxRequestsPerSession ?? Infinity,
        ),
        ...gauge(
          "mcpwire_max_streams_per_session",
          "Most open SSE streams of one session (--max-streams-per-session).",
          limits.maxStreamsPerSession ?? Infinity,
        ),
      ].join("\n") + "\n";
    },
  };
}
