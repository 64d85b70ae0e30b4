/**
 * The upstream half of the proxy commands (`reverse`, `forward`): flags that pick and tune the upstream
 * connector and its resilience, and the function that turns them into the default stack's options.
 *
 * @module
 */
import type { Runtime } from "../runtime/mod.ts";
import type { UpstreamTransport } from "../upstream/http.ts";
import type { UpstreamEraMode } from "../upstream/era.ts";
import type { ResilienceEvent, ResilienceOptions } from "../upstream/resilient.ts";
import type { UpstreamStackOptions } from "../proxy/stack.ts";
import type { BackoffOptions } from "../kit/backoff.ts";
import type { FlagSpec, ParsedArgs } from "./args.ts";
import { parseDuration, parseHeader, UsageError } from "./args.ts";

/** The upstream flags shared by `reverse` and `forward`. */
export const UPSTREAM_FLAGS = {
  "upstream-header": { type: "string", multiple: true },
  "upstream-transport": { type: "string" },
  "upstream-era": { type: "string" },
  "connect-timeout": { type: "string" },
  "request-timeout": { type: "string" },
  "no-reinitialize": { type: "boolean" },
  "max-recoveries": { type: "string" },
  "reconnect-min": { type: "string" },
  "reconnect-max": { type: "string" },
  "reconnect-attempts": { type: "string" },
  "max-upstream-event-bytes": { type: "string" },
} as const satisfies Record<string, FlagSpec>;

/** Usage lines of {@linkcode UPSTREAM_FLAGS}. */
export const UPSTREAM_USAGE = `Upstream options:
  --upstream-header "N: v"   add or replace a header on every upstream request (repeatable)
  --upstream-transport T     auto (default: Streamable HTTP, falling back to HTTP+SSE on 400/404/405),
                             streamable-http or sse
  --upstream-era E           auto (default for a URL: a 2026-07-28 request goes upstream first and its
                             answer decides, T-BC-03), 2026-07-28, or 2025 (default for a command:
                             2026-07-28 requests get a 400 that makes clients fall back to initialize)
  --connect-timeout DUR      time allowed until each upstream response head (default 10s; 0 never)
  --request-timeout DUR      silence after which a request fails and is cancelled upstream; progress
                             resets it (default 0: off)
  --no-reinitialize          do not re-initialize a lost upstream session or respawn a dead child
  --max-recoveries N         re-initializations allowed per minute before giving up (default 5)
  --reconnect-min DUR        first backoff delay of stream reconnections and recoveries (default 250ms)
  --reconnect-max DUR        largest backoff delay (default 10s)
  --reconnect-attempts N     consecutive failed attempts before giving up (default 6)
  --max-upstream-event-bytes N
                             largest SSE event read from the upstream, in characters (default 16777216);
                             a request whose answer is larger gets a JSON-RPC error
`;

const TRANSPORTS: readonly UpstreamTransport[] = ["auto", "streamable-http", "sse"];
const ERAS: readonly UpstreamEraMode[] = ["auto", "2026-07-28", "2025"];

/** Reads a duration flag (`--name 10s`) and a whole-number flag (`--name 5`), as usage errors when malformed. */
function flagReaders(flags: ParsedArgs["flags"]) {
  const duration = (name: string) =>
    flags[name] === undefined ? undefined : parseDuration(flags[name] as string, `--${name}`);
  const count = (name: string) => {
    if (flags[name] === undefined) return undefined;
    const n = Number(flags[name]);
    if (!Number.isInteger(n) || n < 1) {
      throw new UsageError(`--${name} must be a positive whole number (got ${flags[name]})`);
    }
    return n;
  };
  return { duration, count };
}

/** `--upstream-era`, and the log line that says which era was found. */
function eraFromFlags(flags: ParsedArgs["flags"], log: (line: string) => void): Partial<UpstreamStackOptions> {
  const era = flags["upstream-era"] as string | undefined;
  if (era !== undefined && !ERAS.includes(era as UpstreamEraMode)) {
    throw new UsageError(`--upstream-era must be one of ${ERAS.join(", ")} (got ${era})`);
  }
  return {
    ...(era !== undefined ? { upstreamEra: era as UpstreamEraMode } : {}),
    onEraLearned: (found: string) => log(`upstream era: ${found}`),
  };
}

/** The backoff and resilience flags. */
function resilienceFromFlags(
  flags: ParsedArgs["flags"],
  log: (line: string) => void,
): { backoff: BackoffOptions; resilience: ResilienceOptions } {
  const { duration, count } = flagReaders(flags);
  const backoff = {
    ...(duration("reconnect-min") !== undefined ? { initialDelayMs: duration("reconnect-min")! } : {}),
    ...(duration("reconnect-max") !== undefined ? { maxDelayMs: duration("reconnect-max")! } : {}),
    ...(count("reconnect-attempts") !== undefined ? { maxAttempts: count("reconnect-attempts")! } : {}),
  };
  const requestTimeoutMs = duration("request-timeout");
  const maxRecoveries = count("max-recoveries");
  const resilience: ResilienceOptions = {
    reinitialize: !flags["no-reinitialize"],
    recovery: backoff,
    ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
    ...(maxRecoveries !== undefined ? { maxRecoveries } : {}),
    onEvent: (event) => log(describeResilienceEvent(event)),
  };
  return { backoff, resilience };
}

/** The HTTP connector's options from the flags: headers, transport, connect timeout, reconnection logs. */
function httpFromFlags(
  flags: ParsedArgs["flags"],
  backoff: BackoffOptions,
  log: (line: string) => void,
): NonNullable<UpstreamStackOptions["http"]> {
  const headers = ((flags["upstream-header"] as string[] | undefined) ?? []).map((h) =>
    parseHeader(h, "--upstream-header")
  );
  const transport = (flags["upstream-transport"] as string | undefined) ?? "auto";
  if (!TRANSPORTS.includes(transport as UpstreamTransport)) {
    throw new UsageError(`--upstream-transport must be one of ${TRANSPORTS.join(", ")} (got ${transport})`);
  }
  const connectTimeoutMs = flagReaders(flags).duration("connect-timeout");
  const maxEventSize = flagReaders(flags).count("max-upstream-event-bytes");
  return {
    ...(maxEventSize !== undefined ? { maxEventSize } : {}),
    headers,
    transport: transport as UpstreamTransport,
    reconnect: backoff,
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    onFallback: (status) => log(`upstream answered initialize with HTTP ${status}: using HTTP+SSE (2024-11-05)`),
    onReconnect: (i) =>
      log(
        `upstream ${i.stream} stream broke: reconnecting in ${i.delayMs} ms${
          i.lastEventId ? ` from event ${i.lastEventId}` : ""
        }`,
      ),
  };
}

/**
 * The default upstream stack's options (`lib/proxy/stack.ts`) for a URL or a command, as the flags say.
 *
 * @param flags Parsed flags (including {@linkcode UPSTREAM_FLAGS}).
 * @param url The upstream URL, if any.
 * @param command The command and its arguments (after `--`), if any.
 * @throws {UsageError} For both or neither of URL and command, and for bad flag values.
 */
export function upstreamOptionsFromFlags(
  flags: ParsedArgs["flags"],
  url: string | undefined,
  command: string[],
  rt: Runtime,
  log: (line: string) => void,
): UpstreamStackOptions {
  if (url !== undefined && command.length > 0) {
    throw new UsageError("Give either an upstream URL or -- <command>, not both");
  }
  const { backoff, resilience } = resilienceFromFlags(flags, log);
  const http = httpFromFlags(flags, backoff, log);
  const era = eraFromFlags(flags, log);
  if (url !== undefined) {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (parsed?.protocol !== "http:" && parsed?.protocol !== "https:") {
      throw new UsageError(`The upstream must be an http(s) URL (got ${url})`);
    }
    return { upstream: parsed, resilience, ...era, http };
  }
  const cmd = command[0];
  if (cmd === undefined) throw new UsageError("Missing upstream: give a URL or -- <command> [args...]");
  return {
    upstream: command,
    resilience,
    ...era,
    spawn: (c, a) => rt.spawn(c, a),
    stdio: {
      onSpawn: (child) => log(`started upstream process ${cmd} (pid ${child.pid})`),
      onStderr: (line) => log(`[upstream stderr] ${line}`),
      onInvalidOutput: (line) => log(`[upstream stdout, not JSON-RPC] ${line.slice(0, 200)}`),
    },
  };
}

/** One log line for a resilience event. */
export function describeResilienceEvent(event: ResilienceEvent): string {
  switch (event.type) {
    case "session-lost":
      return `upstream: ${event.reason}; re-initializing`;
    case "reinitialized":
      return `upstream: re-initialized (attempt ${event.attempt + 1})`;
    case "recovery-failed":
      return `upstream: re-initialization attempt ${event.attempt + 1} failed: ${event.reason}`;
    case "gave-up":
      return `upstream: giving up: ${event.reason}`;
    case "request-timeout":
      return `upstream: request ${event.id} timed out; sent notifications/cancelled`;
  }
}
