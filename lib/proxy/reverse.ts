/**
 * The reverse proxy: a Streamable HTTP endpoint for clients in front of an upstream MCP server reached by
 * URL or started as a stdio child.
 *
 * @module
 */
import type { Upstream } from "../client/types.ts";
import { createApp } from "../server/app.ts";
import type { SecurityOptions } from "../server/security.ts";
import {
  createStreamableHttpEndpoint,
  type StreamableHttpEndpoint,
  type StreamableHttpEndpointOptions,
} from "../server/streamable_http.ts";

/** Options of {@linkcode createReverseProxy}: the endpoint's options, the security options and the path. */
export interface ReverseProxyOptions extends StreamableHttpEndpointOptions, SecurityOptions {
  /** Path of the MCP endpoint. @default "/mcp" */
  path?: string;
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
  const endpoint = createStreamableHttpEndpoint(options);
  const app = createApp({ ...options, endpoint });
  return {
    fetch: async (request) => await app.fetch(request),
    endpoint,
    upstream: options.upstream,
    close: () => endpoint.close(),
  };
}
