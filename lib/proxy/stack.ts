/**
 * The default upstream stack, built once for every face: a connector for the upstream (Streamable HTTP with
 * HTTP+SSE fallback for a URL, a stdio child per session for a command), wrapped in resilience
 * (re-initialize, respawn, retry once, timeouts) and then in the interceptor chain (rules); with `tracing`, a
 * span layer sits around the connector (a CLIENT span per attempt) and outermost (a SERVER span per client
 * request, docs/tracing.md). `mcpwire reverse`,
 * `mcpwire forward` and the library's `createReverseProxy` / `startForwardProxy` all build it here, so a
 * library user gets exactly what the CLI gets.
 *
 * @module
 */
import type { Upstream } from "../upstream/types.ts";
import { httpUpstream, type HttpUpstreamOptions } from "../upstream/http.ts";
import { type StdioChild, stdioUpstream, type StdioUpstreamOptions } from "../upstream/stdio.ts";
import { isResilient, type ResilienceOptions, resilientUpstream } from "../upstream/resilient.ts";
import type { Interceptor } from "../intercept/types.ts";
import { createInterceptorChain, type InterceptorChainOptions } from "../intercept/chain.ts";
import { interceptUpstream } from "../intercept/upstream.ts";
import { createRulesEngine } from "../intercept/rules_engine.ts";
import type { RuleSet } from "../intercept/rules_types.ts";
import { createTapeRecorder, type TapeRecorder } from "../record/recorder.ts";
import { modernBridgeUpstream } from "../upstream/modern_bridge.ts";
import type { BridgeObserver } from "../upstream/modern_bridge_state.ts";
import { createEraCache, type EraCache, type UpstreamEra, type UpstreamEraMode } from "../upstream/era.ts";
import { type HopOptions, traceHop, type Tracing } from "../trace/traced.ts";

/**
 * What to proxy to: an http(s) URL (Streamable HTTP, falling back to 2024-11-05 HTTP+SSE, T-BC-01), a
 * command line as an array (`["npx", "-y", "@modelcontextprotocol/server-everything", "stdio"]`, one child
 * per session), or an {@linkcode Upstream} built by hand.
 */
export type UpstreamSpec = string | URL | readonly string[] | Upstream;

/** Options of {@linkcode buildUpstream}: how each layer of the default stack is set up. */
export interface UpstreamStackOptions {
  /** What to proxy to. */
  upstream: UpstreamSpec;
  /**
   * Starts a child process, for a command-line upstream: the runtime's `spawn` (`runtime.spawn` from the
   * `mcpwire/runtime` entry point). Injected so this module stays runtime-neutral.
   */
  spawn?: (command: string, args: string[]) => StdioChild;
  /** Options of the HTTP connector (headers, transport, timeouts, `fetch`), for a URL upstream. */
  http?: Omit<HttpUpstreamOptions, "url">;
  /** Options of the stdio connector (stderr and pid hooks, buffer sizes), for a command-line upstream. */
  stdio?: Omit<StdioUpstreamOptions, "command" | "args" | "spawn">;
  /**
   * Resilience of every upstream connection (docs/resilience.md); `false` leaves the connector bare. An
   * {@linkcode Upstream} that is already resilient is not wrapped twice. @default {} (on, with its defaults)
   */
  resilience?: ResilienceOptions | false;
  /** Compiled rules (`compileRules` / `parseRules`) applied to every message, docs/rules.md. */
  rules?: RuleSet;
  /** Interceptors applied to every message, after `rules` (a hot-reloaded rules engine, a recorder, …). */
  interceptors?: Interceptor[];
  /** Observes failures of interceptors and of the interceptor decorator (for logs). */
  onInterceptorError?: InterceptorChainOptions["onError"];
  /**
   * The upstream's era (`--upstream-era`): `auto` learns it from the first 2026-07-28 request's answer and
   * from an HTTP+SSE fallback (T-BC-03); an era forces it. @default "auto" for a URL or an `Upstream`, "2025"
   * for a command line (a stdio child per session speaks `initialize`)
   */
  upstreamEra?: UpstreamEraMode;
  /**
   * Observes the upstream hop of 2025-era sessions bridged to a 2026-07-28 upstream (docs/bridging.md): the
   * modern requests and answers, as envelopes with revision `2026-07-28`. The proxies give it to the tape.
   */
  onBridgedMessage?: BridgeObserver;
  /** Observes the era once it is learned (for logs). */
  onEraLearned?: (era: Exclude<UpstreamEra, "unknown">) => void;
  /**
   * Traces both hops with OpenTelemetry (docs/tracing.md): a SERVER span per client request, a CLIENT span
   * per upstream attempt, W3C trace context passed on in headers and `_meta`. Absent (the default), no span
   * is made and no tracing layer is in the stack.
   */
  tracing?: Tracing;
}

/** The stack {@linkcode buildUpstream} built. */
export interface UpstreamStack {
  /** The outermost layer: what the faces send to. */
  upstream: Upstream;
  /** What is proxied to, for logs and tapes: the URL or the command line. */
  description: string;
  /** What is known of the upstream's era, shared by every face in front of this stack. */
  era: EraCache;
}

/**
 * Builds the default upstream stack: connector → resilience → interceptors (→ tracing around the connector
 * and outermost, when `tracing` is given).
 *
 * @param options What to proxy to and how each layer is set up.
 * @returns The outermost layer and a description of the upstream.
 * @throws {TypeError} For a URL that is not http(s), an empty command, or a command without `spawn`.
 * @example
 * ```ts
 * import { buildUpstream } from "./stack.ts";
 * const { upstream, description } = buildUpstream({ upstream: "http://127.0.0.1:3001/mcp" });
 * console.assert(description === "http://127.0.0.1:3001/mcp" && typeof upstream.connect === "function");
 * ```
 */
export function buildUpstream(options: UpstreamStackOptions): UpstreamStack {
  const command = Array.isArray(options.upstream);
  const era = createEraCache(options.upstreamEra ?? (command ? "2025" : "auto"), options.onEraLearned);
  const bare = connectorFor(options, era);
  const tracing = options.tracing;
  // Beneath resilience, so that each attempt (retry, replayed initialize) gets its own CLIENT span.
  const connector = tracing ? traceHop(bare, tracing, _upstreamHop(options.upstream)) : bare;
  const resilient = options.resilience === false || isResilient(bare)
    ? connector
    : resilientUpstream(connector, options.resilience ?? {});
  const interceptors = [
    ...(options.rules ? [createRulesEngine(options.rules).interceptor] : []),
    ...(options.interceptors ?? []),
  ];
  const onError = options.onInterceptorError;
  const upstream = interceptors.length === 0 ? resilient : interceptUpstream(
    resilient,
    createInterceptorChain(interceptors, onError ? { onError } : {}),
    onError ? { onError } : {},
  );
  // Outermost: the SERVER span covers rules, recoveries and every attempt of the client's request.
  const outer = tracing ? traceHop(upstream, tracing, { kind: "server" }) : upstream;
  return { upstream: outer, description: bare.description, era };
}

/** How the upstream hop is traced: the transport, and where the server is (semantic-convention attributes). */
function _upstreamHop(spec: UpstreamSpec): HopOptions {
  if (Array.isArray(spec)) {
    return { kind: "client", transport: "stdio", attributes: { "network.transport": "pipe" } };
  }
  if (typeof spec !== "string" && !(spec instanceof URL)) return { kind: "client", transport: "http" };
  const url = new URL(spec);
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  return {
    kind: "client",
    transport: "http",
    attributes: {
      "server.address": url.hostname,
      "server.port": port,
      "network.transport": "tcp",
      "network.protocol.name": "http",
    },
  };
}

function connectorFor(options: UpstreamStackOptions, era: EraCache): Upstream {
  const spec = options.upstream;
  if (typeof spec === "string" || spec instanceof URL) {
    let url: URL;
    try {
      url = new URL(spec);
    } catch {
      throw new TypeError(`The upstream must be an http(s) URL (got ${spec})`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new TypeError(`The upstream must be an http(s) URL (got ${spec})`);
    }
    const onFallback = options.http?.onFallback;
    // A 2025-era session in front of a 2026-07-28 upstream is bridged (docs/bridging.md).
    return modernBridgeUpstream(
      httpUpstream({
        ...options.http,
        url,
        // An HTTP+SSE upstream is a 2025-era one as far as 2026-07-28 requests go.
        onFallback: (status) => {
          era.set("2025");
          onFallback?.(status);
        },
      }),
      era,
      options.onBridgedMessage,
    );
  }
  if (Array.isArray(spec)) {
    const [command, ...args] = spec as readonly string[];
    if (command === undefined || command === "") throw new TypeError("The upstream command is empty");
    if (!options.spawn) {
      throw new TypeError("A command-line upstream needs spawn (runtime.spawn from the mcpwire/runtime entry point)");
    }
    return stdioUpstream({ ...options.stdio, command, args, spawn: options.spawn });
  }
  return spec as Upstream;
}

/** The recording options both proxies take. */
export interface RecordingOptions {
  /** Records every message as a tape (docs/tapes.md): called with batches of JSON lines to append. */
  record?: (text: string) => Promise<void>;
  /** Receives failures to write the tape (the recording goes on). */
  onRecordError?: (error: unknown) => void;
}

/**
 * The tape recorder of a proxy, when `options.record` asks for one.
 *
 * @param options The proxy's recording options.
 * @param description What is proxied to (the tape's header names it).
 * @example
 * ```ts
 * import { recorderFor } from "./stack.ts";
 * console.assert(recorderFor({}, "http://127.0.0.1:3001/mcp") === undefined);
 * ```
 */
export function recorderFor(options: RecordingOptions, description: string): TapeRecorder | undefined {
  if (!options.record) return undefined;
  return createTapeRecorder({
    write: options.record,
    upstream: description,
    ...(options.onRecordError ? { onError: options.onRecordError } : {}),
  });
}
