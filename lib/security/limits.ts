/**
 * The connection budget: how many open SSE streams and live sessions the proxy takes on, derived from the
 * open-file limit it runs with, so that it answers a clear 503 instead of running out of descriptors
 * (where Deno's server stops accepting and Bun's accept loop spins). Web-standard: the limit is read by
 * `lib/runtime/limits.ts` and passed in.
 *
 * The model (docs/limits.md): a stream through a URL upstream holds two descriptors (the client's socket
 * and the upstream connection); a stream from a stdio child holds one, but every stdio session holds its
 * child's three pipes and the process (about four). A reserve stays free for what is not counted: the
 * runtime's own descriptors, the listening socket, idle keep-alive sockets, plain JSON requests in flight,
 * the upstream's connection pool, tapes and rules files, and the accepts that carry the 503s themselves.
 *
 * @module
 */
import { onStreamEnd } from "../kit/streams.ts";
import { audit, requestFields } from "./audit.ts";
import { ANONYMOUS, callerOf } from "./caller.ts";
import { createRateLimiter, type Rate } from "./rate.ts";

/** What a budget allows. */
export interface StreamLimits {
  /** Most open SSE streams at once (GET streams, POST streams, legacy /sse streams); `Infinity` for none. */
  maxStreams: number;
  /** Most live sessions at once (Streamable HTTP and legacy); `Infinity` for none. */
  maxSessions: number;
  /**
   * Most stdio children alive at once (a stdio upstream spawns one per session, so this caps new sessions
   * too); absent for URL upstreams. Default {@linkcode CHILDREN_PER_CORE} × CPU cores.
   */
  maxChildren?: number;
  /** `initialize` (new session) rate per caller (`callerOf(request).id`); absent for none. */
  initializeRate?: Rate;
  /**
   * Most live sessions one identified caller holds (`--max-sessions-per-caller`); absent for none. The
   * `anonymous` caller (authentication off) is bounded by `maxSessions` only.
   */
  maxSessionsPerCaller?: number;
  /** Most requests of one session in flight at once (`--max-requests-per-session`); absent for none. */
  maxRequestsPerSession?: number;
  /**
   * Most open SSE streams of one session (`--max-streams-per-session`): its standalone GET stream, resumed
   * GET streams and POST responses that stream; absent for none.
   */
  maxStreamsPerSession?: number;
}

/** Default `--max-sessions-per-caller`. */
export const DEFAULT_MAX_SESSIONS_PER_CALLER = 1_000;
/** Default `--max-requests-per-session`. */
export const DEFAULT_MAX_REQUESTS_PER_SESSION = 64;
/** Default `--max-streams-per-session`. */
export const DEFAULT_MAX_STREAMS_PER_SESSION = 16;

/**
 * Default most live sessions in front of a URL upstream: a session holds no descriptor there, but it holds
 * memory until its idle timeout, so an `initialize` loop must meet a ceiling (docs/security.md).
 */
export const URL_MAX_SESSIONS = 10_000;

/** Default stdio children per CPU core (`--max-children`). */
export const CHILDREN_PER_CORE = 4;

/** Default `initialize` rate per caller (`--initialize-rate`, `--initialize-burst`). */
export const DEFAULT_INITIALIZE_RATE: Rate = { perSecond: 100, burst: 1_000 };

/** Inputs of {@linkcode deriveLimits}. */
export interface LimitInputs {
  /** The soft open-file limit of the process (descriptors). */
  openFiles: number;
  /** `url`: every stream holds an upstream connection; `stdio`: every session holds a child (and its pipes). */
  upstream: "url" | "stdio";
  /**
   * Most simultaneous upstream `fetch` connections (Bun's `BUN_CONFIG_MAX_HTTP_REQUESTS`); streams are kept
   * below it so that its queue never turns into 502s. @default Infinity
   */
  fetchCap?: number;
}

/** Descriptors a stream holds: the client's socket, plus the upstream connection for URL upstreams. */
export const FDS_PER_STREAM = { url: 2, stdio: 1 } as const;
/** Descriptors a session holds: none for URL upstreams, the child's three pipes and the process for stdio. */
export const FDS_PER_SESSION = { url: 0, stdio: 4 } as const;
/** `fetch` connections kept free below Bun's cap for POSTs while every stream is open. */
export const FETCH_CAP_HEADROOM = 16;

/**
 * The descriptors left free: 64 plus 4 % of the limit (256 → 75, 1,024 → 105, 20,000 → 864).
 *
 * @param openFiles The soft open-file limit.
 */
export function reserveFor(openFiles: number): number {
  return 64 + Math.ceil(openFiles / 25);
}

/**
 * The default limits for a process with `openFiles` descriptors:
 * URL upstream: `maxStreams = ⌊(openFiles − reserve) / 2⌋` (and below `fetchCap − 16`), sessions
 * {@linkcode URL_MAX_SESSIONS} (a session without a stream holds no descriptor, only memory); stdio upstream: `maxSessions = ⌊(openFiles − reserve) / 6⌋`
 * (a child plus two streams each), `maxStreams = 2 × maxSessions`.
 *
 * @returns The limits; at least 1 stream and 1 session, however small the limit.
 * @example
 * ```ts
 * import { deriveLimits } from "./limits.ts";
 * console.assert(deriveLimits({ openFiles: 256, upstream: "url" }).maxStreams === 90);
 * ```
 */
export function deriveLimits(inputs: LimitInputs): StreamLimits {
  const free = Math.max(0, inputs.openFiles - reserveFor(inputs.openFiles));
  if (inputs.upstream === "stdio") {
    const perSession = FDS_PER_SESSION.stdio + 2 * FDS_PER_STREAM.stdio;
    const maxSessions = Math.max(1, Math.floor(free / perSession));
    return { maxStreams: 2 * maxSessions, maxSessions };
  }
  const byFiles = Math.floor(free / FDS_PER_STREAM.url);
  const byFetch = (inputs.fetchCap ?? Infinity) - FETCH_CAP_HEADROOM;
  return { maxStreams: Math.max(1, Math.min(byFiles, byFetch)), maxSessions: URL_MAX_SESSIONS };
}

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

/**
 * Why a request was refused: what it would have opened past the proxy's budget (`session`, `stream`),
 * the caller's `initialize` rate (`rate`), or a per-caller / per-session limit.
 */
export type RefusalKind =
  | "session"
  | "stream"
  | "rate"
  | "caller_sessions"
  | "session_requests"
  | "session_streams";

const REASONS: Record<RefusalKind, string> = {
  session: "max sessions",
  stream: "max streams",
  rate: "initialize rate",
  caller_sessions: "max sessions per caller",
  session_requests: "max requests per session",
  session_streams: "max streams per session",
};

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
 * What a request would open: a new session (POST without `Mcp-Session-Id`, i.e. `initialize` or a
 * sessionless request whose reply may stream; `GET /sse`), a stream (GET with a session id), or nothing
 * that the budget counts (every other request of a live session, health, metrics).
 */
export function classify(request: Request, path = "/mcp", legacyPath = "/sse"): RefusalKind | undefined {
  const method = request.method;
  if (method !== "GET" && method !== "POST") return undefined;
  const pathname = new URL(request.url).pathname;
  if (pathname === path) {
    const session = request.headers.has("mcp-session-id");
    if (method === "POST") return session ? undefined : "session";
    return session ? "stream" : undefined;
  }
  if (pathname === legacyPath && method === "GET") return "session";
  return undefined;
}

/**
 * The 503 past the budget: `Retry-After`, `Connection: close` (so the socket goes too) and a JSON-RPC
 * error with `id: null` (T-RPC-06), code -32000.
 */
export function overloadedResponse(kind: RefusalKind, limits: StreamLimits, retryAfterSeconds: number): Response {
  const children = limits.maxChildren === undefined ? "" : `, ${limits.maxChildren} stdio children`;
  const message = kind === "stream"
    ? `Service Unavailable: the proxy holds its most open streams (${limits.maxStreams}); retry later`
    : `Service Unavailable: the proxy takes no new session now (at most ${limits.maxStreams} streams, ${
      Number.isFinite(limits.maxSessions) ? limits.maxSessions : "unlimited"
    } sessions${children}); retry later`;
  return new Response(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message } }), {
    status: 503,
    headers: { "content-type": "application/json", "retry-after": String(retryAfterSeconds), connection: "close" },
  });
}

/**
 * The 429 past a caller's `initialize` rate: `Retry-After` (seconds until a token is there) and a JSON-RPC
 * error with `id: null` (T-RPC-06), code -32000. The connection stays open (the caller may retry on it).
 */
export function rateLimitedResponse(retryAfterSeconds: number): Response {
  const message =
    `Too Many Requests: this caller opens sessions faster than the initialize rate; retry in ${retryAfterSeconds} s`;
  return new Response(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message } }), {
    status: 429,
    headers: { "content-type": "application/json", "retry-after": String(retryAfterSeconds) },
  });
}

/**
 * The 429 past a per-caller or per-session limit: `Retry-After` and a JSON-RPC error with `id: null`
 * (T-RPC-06), code -32000, naming the limit. The connection and the session stay open: what they carry
 * already goes on, and the client may retry this request once one of its own finishes.
 *
 * @example
 * ```ts
 * import { limitResponse } from "./limits.ts";
 * console.assert(limitResponse("session_requests", 64, 1).status === 429);
 * ```
 */
export function limitResponse(kind: RefusalKind, limit: number, retryAfterSeconds: number): Response {
  const what = kind === "caller_sessions"
    ? `this caller holds its most live sessions (${limit}); end one (DELETE) or`
    : kind === "session_requests"
    ? `this session has its most requests in flight (${limit});`
    : `this session holds its most open streams (${limit});`;
  const message = `Too Many Requests: ${what} retry later`;
  return new Response(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message } }), {
    status: 429,
    headers: { "content-type": "application/json", "retry-after": String(retryAfterSeconds) },
  });
}

/** Most bytes of a POST body read to learn whether it carries a request (a bigger body counts as one). */
const PEEK_BYTES = 1024 * 1024;

/**
 * Whether a POST carries a JSON-RPC request (something that is answered, so may hold a slot or open a
 * stream), read from a clone. Responses and notifications are never refused by a per-session limit: a
 * server waiting on a client's response must get it. Unreadable or oversized bodies count as requests
 * when they are JSON-ish; bodies that do not parse are left to the handler (400).
 */
async function carriesRequest(request: Request): Promise<boolean> {
  const reader = request.clone().body?.getReader();
  if (!reader) return false;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size <= PEEK_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    return false;
  }
  if (size > PEEK_BYTES) {
    await reader.cancel().catch(() => {});
    return true;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await new Blob(chunks as BlobPart[]).text());
  } catch {
    return false;
  }
  const isRequest = (m: unknown) =>
    typeof m === "object" && m !== null && "method" in m && "id" in m && (m as { id: unknown }).id !== null;
  return Array.isArray(parsed) ? parsed.some(isRequest) : isRequest(parsed);
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
 * import { createAdmission } from "./limits.ts";
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
      reason: REASONS[kind],
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
