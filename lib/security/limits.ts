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
 * What is done with the budget at each request is `admission.ts`.
 *
 * @module
 */
import type { Rate } from "./rate.ts";

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
  /**
   * Descriptors one client connection holds in this process: 1 (its socket), or 3 on Deno behind the
   * header-deadline front (the client's socket, and both ends of the front's connection to the runtime's server).
   * @default 1
   */
  connectionFds?: number;
}

/**
 * Descriptors a stream holds with one descriptor per client connection: the client's socket, plus the
 * upstream connection for URL upstreams (each client connection past its first descriptor adds to these).
 */
export const FDS_PER_STREAM = { url: 2, stdio: 1 } as const;
/** Descriptors a session holds: none for URL upstreams, the child's three pipes and the process for stdio. */
export const FDS_PER_SESSION = { url: 0, stdio: 4 } as const;
/** `fetch` connections kept free below Bun's cap for POSTs while every stream is open. */
export const FETCH_CAP_HEADROOM = 16;

/**
 * The descriptors left free: 64 plus 4 % of the limit (256 → 75, 1,024 → 105, 20,000 → 864), the 4 %
 * (idle keep-alive sockets, plain requests in flight) times the descriptors a client connection holds
 * (Deno's header-deadline front: 3, so 256 → 97, 20,000 → 2,464).
 *
 * @param openFiles The soft open-file limit.
 * @param connectionFds Descriptors per client connection. @default 1
 */
export function reserveFor(openFiles: number, connectionFds = 1): number {
  return 64 + Math.ceil(openFiles / 25) * connectionFds;
}

/**
 * The default limits for a process with `openFiles` descriptors (figures for one descriptor per client
 * connection; with `connectionFds` = 3 each stream costs 2 more):
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
  const free = Math.max(0, inputs.openFiles - reserveFor(inputs.openFiles, inputs.connectionFds));
  const extra = Math.max(0, (inputs.connectionFds ?? 1) - 1);
  if (inputs.upstream === "stdio") {
    const perSession = FDS_PER_SESSION.stdio + 2 * (FDS_PER_STREAM.stdio + extra);
    const maxSessions = Math.max(1, Math.floor(free / perSession));
    return { maxStreams: 2 * maxSessions, maxSessions };
  }
  const byFiles = Math.floor(free / (FDS_PER_STREAM.url + extra));
  const byFetch = (inputs.fetchCap ?? Infinity) - FETCH_CAP_HEADROOM;
  return { maxStreams: Math.max(1, Math.min(byFiles, byFetch)), maxSessions: URL_MAX_SESSIONS };
}
