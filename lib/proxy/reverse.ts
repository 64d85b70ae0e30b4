/**
 * The reverse proxy: a Streamable HTTP endpoint for clients in front of an upstream MCP server reached by
 * URL or started as a stdio child.
 *
 * @module
 */
import type { Upstream } from "../upstream/types.ts";
import type { TapeRecorder } from "../record/recorder.ts";
import { buildUpstream, recorderFor, type RecordingOptions, type UpstreamStackOptions } from "./stack.ts";
import { type AppOptions, createApp } from "../downstream/app.ts";
import { createLegacySseEndpoint } from "../downstream/legacy_sse.ts";
import { HttpError, jsonResponse } from "../downstream/errors.ts";
import { withDeadline } from "../kit/deadline.ts";
import type { SessionStore } from "../stores/session_store.ts";
import { Metrics, timedStore } from "./metrics.ts";
import type { SecurityOptions } from "../downstream/security.ts";
import { createAdmission } from "../security/admission.ts";
import type { StreamLimits } from "../security/limits.ts";
import {
  createStreamableHttpEndpoint,
  type StreamableHttpEndpoint,
  type StreamableHttpEndpointOptions,
} from "../downstream/streamable_http.ts";

/**
 * Options of {@linkcode createReverseProxy}: what to proxy to and how (the default upstream stack of
 * `stack.ts`: connector, resilience, rules), the endpoint's options, the security options and the path.
 */
export interface ReverseProxyOptions
  extends Omit<StreamableHttpEndpointOptions, "upstream">, SecurityOptions, UpstreamStackOptions, RecordingOptions {
  /** Path of the MCP endpoint. @default "/mcp" */
  path?: string;
  /** Serve 2024-11-05 HTTP+SSE clients at `GET /sse` and `POST /message`. @default true */
  legacySse?: boolean;
  /**
   * Authenticate callers (API keys, OAuth bearer tokens; docs/auth.md, T-SEC-06): every route but
   * `/healthz` and the protected-resource metadata answers 401 without credentials. @default off
   */
  auth?: AppOptions["auth"];
  /** Serve Prometheus metrics at `GET /metrics`. @default true */
  metrics?: boolean;
  /**
   * The connection budget: a new session or GET stream past it gets 503 with `Retry-After` and
   * `Connection: close` instead of running the process out of file descriptors (docs/limits.md).
   * `deriveLimits` computes the CLI's defaults from the open-file limit. @default no limit
   */
  limits?: StreamLimits;
}

/** A reverse proxy, ready to be served by any runtime. */
export interface ReverseProxy {
  /** The Web-standard handler: give it to any Web-standard server, e.g. `serve` of `lib/runtime/serve.ts`. */
  fetch: (request: Request) => Promise<Response>;
  /** The MCP endpoint (sessions, stats). */
  endpoint: StreamableHttpEndpoint;
  /** The outermost layer of the upstream stack the proxy forwards to (its `description` is the URL or command). */
  upstream: Upstream;
  /** The tape recorder, when `record` was given. */
  recorder: TapeRecorder | undefined;
  /**
   * Ends every session (upstream sessions closed, children ended, streams closed; an open SSE stream gets a
   * `retry:` field first, so its client reconnects after `retryMs`). From the call on, every request gets 503
   * with `Retry-After: 1` (issue 14: a replica shutting down starts nothing new).
   */
  close(): Promise<void>;
}

/**
 * Creates a reverse proxy in front of `options.upstream`, with the same default stack as `mcpwire reverse`:
 * Streamable HTTP (or HTTP+SSE) and stdio connectors, resilience, rules, recording, metrics, the legacy
 * HTTP+SSE face and the DNS-rebinding defences.
 *
 * @param options What to proxy to, and how.
 * @returns The proxy: a Web handler plus lifecycle.
 * @throws {TypeError} For an upstream that is not an http(s) URL, a command line or an `Upstream`.
 * @example
 * ```ts ignore
 * import { createReverseProxy } from "./mod.ts";
 * import { runtime } from "./lib/runtime/mod.ts";
 * const proxy = createReverseProxy({ upstream: "http://127.0.0.1:3001/mcp" });
 * await runtime.serve(proxy.fetch, { hostname: "127.0.0.1", port: 8080 });
 * ```
 */
export function createReverseProxy(options: ReverseProxyOptions): ReverseProxy {
  const tape: { recorder?: TapeRecorder | undefined } = {};
  // The tape shows both hops of a bridged session: the upstream hop is observed below the session core.
  const metrics = options.metrics === false ? undefined : new Metrics();
  const onEventTooLarge = options.http?.onEventTooLarge;
  const { upstream, description, era } = buildUpstream({
    ...options,
    http: {
      ...options.http,
      onEventTooLarge: () => {
        metrics?.onEventTooLarge();
        onEventTooLarge?.();
      },
    },
    onBridgedMessage: (e) => {
      tape.recorder?.onMessage(e);
      options.onBridgedMessage?.(e);
    },
  });
  const recorder = tape.recorder = recorderFor(options, description);
  const endpoint = createStreamableHttpEndpoint({
    ...options,
    ...timedStores(options, metrics),
    upstream,
    era: options.era ?? era,
    ...observers(options, metrics, recorder),
  });
  const legacy = options.legacySse === false ? undefined : createLegacySseEndpoint({
    core: endpoint.core,
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(options.bodyTimeoutMs !== undefined ? { bodyTimeoutMs: options.bodyTimeoutMs } : {}),
    ...(options.keepAliveMs !== undefined ? { keepAliveMs: options.keepAliveMs } : {}),
  });
  const stats = () => ({ ...endpoint.stats(), legacySessions: legacy?.size ?? 0 });
  // Every legacy session holds one SSE connection.
  const admission = options.limits === undefined ? undefined : createAdmission({
    limits: options.limits,
    path: options.path ?? "/mcp",
    usage: () => {
      const { connections, sessions, legacySessions } = stats();
      return {
        streams: connections + legacySessions,
        sessions: sessions + legacySessions,
        sessionsOf: endpoint.sessionsOf,
      };
    },
  });
  // Per-caller and per-session limits apply after authentication, where the caller is known.
  const byCaller = (handle: (request: Request) => Promise<Response>) =>
    admission ? admission.wrapCaller(handle) : handle;
  const app = createApp({
    ...options,
    endpoint: { ...endpoint, handle: byCaller((request) => endpoint.handle(request)) },
    extraRoutes: (app) => {
      if (legacy) {
        const stream = byCaller((request) => Promise.resolve(legacy.handleStream(request)));
        app.get("/sse", (c) => stream(c.req.raw));
        app.post("/message", (c) => legacy.handleMessage(c.req.raw));
      }
      if (metrics) {
        app.get("/metrics", () =>
          new Response(metrics.render(stats()) + (admission?.renderMetrics() ?? ""), {
            headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
          }));
      }
      app.get("/healthz", () => jsonResponse({ status: "ok", ...stats() }));
      app.get("/readyz", () => readiness(options.sessionStore));
    },
  });
  let closing = false;
  const handler = async (request: Request) =>
    // Shutting down: nothing new starts here; the client retries (through the balancer, another replica).
    closing
      ? new HttpError("shutting_down", "Service Unavailable: this instance is shutting down", { "retry-after": "1" })
        .toResponse()
      : await app.fetch(request);
  const admitted = admission ? admission.wrap(handler) : handler;
  return {
    fetch: recorder ? recorder.wrap(admitted) : admitted,
    endpoint,
    upstream,
    recorder,
    close: async () => {
      closing = true;
      await legacy?.close();
      await endpoint.close();
      await recorder?.close();
    },
  };
}

/**
 * `/readyz`: 200 when the session store answers a read within 1 s, else 503 with `Retry-After: 1`, so a
 * balancer or Kubernetes readiness probe sends new sessions only to replicas that can create them (issue 14).
 * Without a shared store (memory) a replica is always ready.
 */
async function readiness(store: SessionStore | undefined): Promise<Response> {
  if (!store) return jsonResponse({ status: "ready", store: "memory" });
  const started = Date.now();
  try {
    await withDeadline(store.get("readyz-probe"), 1_000);
    return jsonResponse({ status: "ready", storeLatencyMs: Date.now() - started });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return jsonResponse({ status: "not ready", store: reason }, 503, { "retry-after": "1" });
  }
}

/** The stores the caller gave, timed into `metrics` (per-replica store latency and errors). */
function timedStores(
  options: ReverseProxyOptions,
  metrics: Metrics | undefined,
): Pick<ReverseProxyOptions, "sessionStore" | "eventStore"> {
  if (!metrics) return {};
  const { sessionStore, eventStore } = options;
  return {
    ...(sessionStore
      ? { sessionStore: timedStore(sessionStore, (op, s, f) => metrics.onStoreCall("session", op, s, f)) }
      : {}),
    ...(eventStore ? { eventStore: timedStore(eventStore, (op, s, f) => metrics.onStoreCall("event", op, s, f)) } : {}),
  };
}

/** The endpoint's observers: the caller's, plus metrics and the recorder when they are on. */
function observers(
  options: ReverseProxyOptions,
  metrics: Metrics | undefined,
  recorder: TapeRecorder | undefined,
): Pick<StreamableHttpEndpointOptions, "onMessage" | "onExchange" | "onError" | "onReplay"> {
  if (!metrics && !recorder) return {};
  return {
    onMessage: (e) => {
      metrics?.onMessage(e);
      recorder?.onMessage(e);
      options.onMessage?.(e);
    },
    onExchange: (x) => {
      metrics?.onExchange(x);
      options.onExchange?.(x);
    },
    onError: (error) => {
      metrics?.onUpstreamError();
      options.onError?.(error);
    },
    onReplay: (n) => {
      metrics?.onReplay(n);
      options.onReplay?.(n);
    },
  };
}
