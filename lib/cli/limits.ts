/**
 * The connection-budget flags of `mcpwire reverse` (`--max-streams`, `--max-sessions`, derived from the
 * open-file limit the process runs with, docs/limits.md) and the per-caller and per-session limits
 * (`--max-children`, `--initialize-rate`, `--max-sessions-per-caller`, `--max-requests-per-session`,
 * `--max-streams-per-session`, docs/security.md).
 *
 * @module
 */
import type { Runtime } from "../runtime/mod.ts";
import {
  CHILDREN_PER_CORE,
  DEFAULT_INITIALIZE_RATE,
  DEFAULT_MAX_REQUESTS_PER_SESSION,
  DEFAULT_MAX_SESSIONS_PER_CALLER,
  DEFAULT_MAX_STREAMS_PER_SESSION,
  deriveLimits,
  reserveFor,
  type StreamLimits,
} from "../security/limits.ts";
import type { ParsedArgs } from "./args.ts";
import { parseDuration, UsageError } from "./args.ts";
import {
  DEFAULT_HEADER_TIMEOUT_MS,
  DEFAULT_MAX_HEADER_BYTES,
  type ServeOptions,
  usesHeaderFront,
} from "../runtime/serve.ts";

/** Flag specs, spread into a command's flags. */
export const LIMIT_FLAGS = {
  "max-streams": { type: "string" },
  "max-sessions": { type: "string" },
  "max-children": { type: "string" },
  "initialize-rate": { type: "string" },
  "initialize-burst": { type: "string" },
  "max-sessions-per-caller": { type: "string" },
  "max-requests-per-session": { type: "string" },
  "max-streams-per-session": { type: "string" },
  "header-timeout": { type: "string" },
  "max-header-bytes": { type: "string" },
} as const;

/** Usage lines of the flags. */
export const LIMITS_USAGE =
  `  --max-streams N          most open SSE streams; past it a new session or GET stream gets 503 with
                           Retry-After (default from the open-file limit, docs/limits.md)
  --max-sessions N         most live sessions (default: 10000 for a URL upstream, from the
                           open-file limit for a stdio command)
  --max-children N         most stdio children alive at once (default ${CHILDREN_PER_CORE} x CPU cores); past
                           it an initialize gets 503 with Retry-After
  --initialize-rate N      initialize requests per second per caller (default ${DEFAULT_INITIALIZE_RATE.perSecond}); past it 429
  --initialize-burst N     initialize requests at once per caller after a quiet spell (default ${DEFAULT_INITIALIZE_RATE.burst})
  --max-sessions-per-caller N
                           most live sessions one caller holds (default ${DEFAULT_MAX_SESSIONS_PER_CALLER}); past it an
                           initialize gets 429 with Retry-After
  --max-requests-per-session N
                           most requests of one session in flight (default ${DEFAULT_MAX_REQUESTS_PER_SESSION}); past it a POST
                           carrying a request gets 429 (responses and notifications always pass)
  --max-streams-per-session N
                           most open SSE streams of one session: standalone GET, resumed GETs and
                           streamed POST responses (default ${DEFAULT_MAX_STREAMS_PER_SESSION}); past it 429
  --header-timeout DUR     longest time a client may take to send a request head (slowloris); the
                           connection is closed after it (default ${
    DEFAULT_HEADER_TIMEOUT_MS / 1000
  }s; 0 off). Bun cuts slow
                           heads by itself after about 10 s. Deno enforces it in a front that is on by
                           default for non-loopback --bind addresses (about 60 µs per request); giving
                           this flag or --max-header-bytes turns it on for loopback binds too
  --max-header-bytes N     largest request head; past it 431 and the connection is closed
                           (default ${DEFAULT_MAX_HEADER_BYTES}; Bun's own ceiling is about 16 KiB)
`;

/** The limits to apply and the start-up line that says what they are and why. */
export interface CliLimits {
  limits: StreamLimits;
  /** The slow-client limits the server enforces itself (`--header-timeout`, `--max-header-bytes`). */
  serve: Pick<ServeOptions, "headerTimeoutMs" | "maxHeaderBytes" | "headerFront">;
  /** One line for the log, e.g. `open files: 256 (/proc/self/limits); up to 90 streams, sessions unlimited`. */
  summary: string;
}

/**
 * Reads `--max-streams` / `--max-sessions` and fills in what is missing from the open-file limit (and, on
 * Bun, the `fetch` connection cap) of `rt`.
 *
 * @throws {UsageError} When a value is not a positive whole number.
 * @example
 * ```ts ignore
 * const { limits, summary } = limitsFromFlags(flags, "url", runtime, "127.0.0.1");
 * ```
 */
export function limitsFromFlags(
  flags: ParsedArgs["flags"],
  upstream: "url" | "stdio",
  rt: Runtime,
  hostname: string,
): CliLimits {
  const count = (name: string): number | undefined => {
    if (flags[name] === undefined) return undefined;
    const n = Number(flags[name]);
    if (!Number.isInteger(n) || n < 1) {
      throw new UsageError(`--${name} must be a positive whole number (got ${flags[name]})`);
    }
    return n;
  };
  const files = rt.openFileLimit();
  const fetchCap = upstream === "url" ? rt.fetchConnectionCap() : Infinity;
  const headerTimeoutMs = flags["header-timeout"] === undefined
    ? DEFAULT_HEADER_TIMEOUT_MS
    : parseDuration(flags["header-timeout"] as string, "--header-timeout");
  // Deno's front: on by default for non-loopback binds; asking for either limit turns it on anywhere, and
  // `--header-timeout 0` alone turns it off.
  const asked = flags["max-header-bytes"] !== undefined ||
    (flags["header-timeout"] !== undefined && headerTimeoutMs > 0);
  const headerFront = asked ? true : flags["header-timeout"] !== undefined ? false : undefined;
  const serve: CliLimits["serve"] = {
    headerTimeoutMs,
    maxHeaderBytes: count("max-header-bytes") ?? DEFAULT_MAX_HEADER_BYTES,
    ...(headerFront === undefined ? {} : { headerFront }),
  };
  const connectionFds = rt.clientConnectionFds(usesHeaderFront({ ...serve, hostname }));
  const derived = deriveLimits({ openFiles: files.soft, upstream, fetchCap, connectionFds });
  const limits: StreamLimits = {
    maxStreams: count("max-streams") ?? derived.maxStreams,
    maxSessions: count("max-sessions") ?? derived.maxSessions,
    ...(upstream === "stdio" ? { maxChildren: count("max-children") ?? CHILDREN_PER_CORE * rt.cpuCount() } : {}),
    initializeRate: {
      perSecond: count("initialize-rate") ?? DEFAULT_INITIALIZE_RATE.perSecond,
      burst: count("initialize-burst") ?? DEFAULT_INITIALIZE_RATE.burst,
    },
    maxSessionsPerCaller: count("max-sessions-per-caller") ?? DEFAULT_MAX_SESSIONS_PER_CALLER,
    maxRequestsPerSession: count("max-requests-per-session") ?? DEFAULT_MAX_REQUESTS_PER_SESSION,
    maxStreamsPerSession: count("max-streams-per-session") ?? DEFAULT_MAX_STREAMS_PER_SESSION,
  };
  const shown = (n: number) => (Number.isFinite(n) ? n.toLocaleString("en") : "unlimited");
  const source = files.source === "assumed" ? "assumed: /proc/self/limits unreadable" : files.source;
  const capNote = (Number.isFinite(fetchCap) ? `, fetch connections ${fetchCap.toLocaleString("en")}` : "") +
    (connectionFds > 1 ? `, ${connectionFds} per client connection` : "");
  const summary = `open files: ${files.soft.toLocaleString("en")} (${source}${capNote}; ${
    reserveFor(files.soft, connectionFds)
  } kept free); up to ${shown(limits.maxStreams)} streams, sessions ${shown(limits.maxSessions)}${
    limits.maxChildren === undefined ? "" : `, stdio children ${limits.maxChildren}`
  }`;
  return { limits, serve, summary };
}
