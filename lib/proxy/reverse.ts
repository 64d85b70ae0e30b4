/**
 * The reverse proxy: a Streamable HTTP endpoint for clients in front of an upstream MCP server reached by
 * URL or started as a stdio child.
 *
 * @module
 */
import type { Upstream } from "../client/types.ts";
import { createApp } from "../server/app.ts";
import { createLegacySseEndpoint } from "../server/legacy_sse.ts";
import { jsonResponse } from "../server/errors.ts";
import { Metrics } from "../server/metrics.ts";
import type { SecurityOptions } from "../server/security.ts";
import { createAdmission, type StreamLimits } from "../limits/budget.ts";
import {
  createStreamableHttpEndpoint,
  type StreamableHttpEndpoint,
  type StreamableHttpEndpointOptions,
} from "../server/streamable_http.ts";

/** Options of {@linkcode createReverseProxy}: the endpoint's options, the security options and the path. */
export interface ReverseProxyOptions extends StreamableHttpEndpointOptions, SecurityOptions {
  /** Path of the MCP endpoint. @default "/mcp" */
  path?: string;
  /** Serve 2024-11-05 HTTP+SSE clients at `GET /sse` and `POST /message`. @default true */
  legacySse?: boolean;
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
  /** What the proxy forwards to (a URL or a command line). */
  upstream: Upstream;
  /** Ends every session (upstream sessions closed, children ended, streams closed). */
  close(): Promise<void>;
}

/**
 * Creates a reverse proxy in front of `options.upstream`.
 *
 * @example
 * ```ts ignore
 * import { createReverseProxy, runtime, streamableHttpUpstream } from "./mod.ts";
 * const proxy = createReverseProxy({ upstream: streamableHttpUpstream({ url: "http://127.0.0.1:3001/mcp" }) });
 * await runtime.serve(proxy.fetch, { hostname: "127.0.0.1", port: 8080 });
 * ```
 */
export function createReverseProxy(options: ReverseProxyOptions): ReverseProxy {
  const metrics = options.metrics === false ? undefined : new Metrics();
  const endpoint = createStreamableHttpEndpoint({
    ...options,
    ...(metrics
      ? {
        onMessage: (e) => {
          metrics.onMessage(e);
          options.onMessage?.(e);
        },
        onExchange: (x) => {
          metrics.onExchange(x);
          options.onExchange?.(x);
        },
        onError: (error) => {
          metrics.onUpstreamError();
          options.onError?.(error);
        },
        onReplay: (n) => {
          metrics.onReplay(n);
          options.onReplay?.(n);
        },
      }
      : {}),
  });
  const legacy = options.legacySse === false ? undefined : createLegacySseEndpoint({
    endpoint,
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(options.keepAliveMs !== undefined ? { keepAliveMs: options.keepAliveMs } : {}),
  });
  const app = createApp({
    ...options,
    endpoint,
    extraRoutes: (app) => {
      if (legacy) {
        app.get("/sse", (c) => legacy.handleStream(c.req.raw));
        app.post("/message", (c) => legacy.handleMessage(c.req.raw));
      }
      if (metrics) {
        app.get(
          "/metrics",
          () =>
            new Response(
              metrics.render({ ...endpoint.stats(), legacySessions: legacy?.size ?? 0 }) +
                (admission?.renderMetrics() ?? ""),
              {
                headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
              },
            ),
        );
      }
      app.get("/healthz", () => jsonResponse({ status: "ok", ...endpoint.stats(), legacySessions: legacy?.size ?? 0 }));
    },
  });
  // Every legacy session holds one SSE connection.
  const admission = options.limits === undefined ? undefined : createAdmission({
    limits: options.limits,
    path: options.path ?? "/mcp",
    usage: () => {
      const stats = endpoint.stats();
      const legacySessions = legacy?.size ?? 0;
      return { streams: stats.connections + legacySessions, sessions: stats.sessions + legacySessions };
    },
  });
  const handle = async (request: Request) => await app.fetch(request);
  return {
    fetch: admission ? admission.wrap(handle) : handle,
    endpoint,
    upstream: options.upstream,
    close: async () => {
      await legacy?.close();
      await endpoint.close();
    },
  };
}
