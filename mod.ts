/**
 * mcpwire: proxy, shape and check Model Context Protocol (MCP) traffic over HTTP.
 *
 * The library runs on Deno 2 and Bun from the same source and is built on Web-standard `Request`,
 * `Response` and `ReadableStream`. Import it from a URL in Deno:
 *
 * ```ts ignore
 * import { createReverseProxy, runtime, streamableHttpUpstream } from "https://example.com/mcpwire/mod.ts";
 * const proxy = createReverseProxy({ upstream: streamableHttpUpstream({ url: "http://127.0.0.1:3001/mcp" }) });
 * const server = await runtime.serve(proxy.fetch, { hostname: "127.0.0.1", port: 8080 });
 * console.log(`listening on ${server.url}`);
 * ```
 *
 * @module
 */
export * from "./lib/jsonrpc/mod.ts";
export * from "./lib/protocol/mod.ts";
export type { Direction, Envelope } from "./lib/protocol/envelope.ts";
export * from "./lib/sse/mod.ts";
export * from "./lib/stores/event_store.ts";
export * from "./lib/stores/session_store.ts";
export * from "./lib/client/types.ts";
export { streamableHttpUpstream } from "./lib/client/streamable_http.ts";
export type { StreamableHttpUpstreamOptions } from "./lib/client/streamable_http.ts";
export { stdioUpstream } from "./lib/client/stdio.ts";
export type { StdioChild, StdioUpstreamOptions } from "./lib/client/stdio.ts";
export { splitLines } from "./lib/client/lines.ts";
export type { SplitLinesOptions } from "./lib/client/lines.ts";
export { legacySseUpstream } from "./lib/client/legacy_sse.ts";
export type { LegacySseUpstreamOptions } from "./lib/client/legacy_sse.ts";
export { httpUpstream } from "./lib/client/http.ts";
export type { HttpUpstreamOptions, UpstreamTransport } from "./lib/client/http.ts";
export { resilientUpstream } from "./lib/client/resilient.ts";
export type { ResilienceEvent, ResilienceOptions } from "./lib/client/resilient.ts";
export { backoffDelay, DEFAULT_BACKOFF } from "./lib/client/backoff.ts";
export type { BackoffOptions, ResolvedBackoff } from "./lib/client/backoff.ts";
export { isSessionLost } from "./lib/client/session_lost.ts";
export { createStreamableHttpEndpoint } from "./lib/server/streamable_http.ts";
export type {
  ExchangeInfo,
  StreamableHttpEndpoint,
  StreamableHttpEndpointOptions,
} from "./lib/server/streamable_http.ts";
export { HTTP_ERRORS, HttpError } from "./lib/server/errors.ts";
export type { HttpErrorCode } from "./lib/server/errors.ts";
export { createSecurityCheck, isLoopbackHost } from "./lib/server/security.ts";
export type { SecurityOptions } from "./lib/server/security.ts";
export { createReverseProxy } from "./lib/proxy/reverse.ts";
export { deriveLimits, type LimitInputs, type StreamLimits } from "./lib/limits/budget.ts";
export type { ReverseProxy, ReverseProxyOptions } from "./lib/proxy/reverse.ts";
export { startForwardProxy } from "./lib/proxy/forward.ts";
export type { ForwardProxy, ForwardProxyOptions } from "./lib/proxy/forward.ts";
export { runtime } from "./lib/runtime/mod.ts";
export type { Runtime, ServeOptions, Server } from "./lib/runtime/mod.ts";
export * from "./lib/intercept/mod.ts";
export * from "./lib/record/mod.ts";
export {
  ALL_CHECKS,
  formatJson as formatConformanceJson,
  formatJunit as formatConformanceJunit,
  formatPretty as formatConformancePretty,
  runConformance,
} from "./conformance/mod.ts";
export type {
  Check,
  CheckResult,
  ConformanceOptions,
  Report as ConformanceReport,
  Target as ConformanceTarget,
} from "./conformance/types.ts";
