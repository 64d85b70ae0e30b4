/**
 * mcpwire: proxy, shape and check Model Context Protocol (MCP) traffic over HTTP.
 *
 * This entry point is the small, stable, Web-standard surface (no runtime API, no `node:` module, directly
 * or indirectly): the proxies and their default stack, the `Upstream` port and its connectors, the
 * Streamable HTTP endpoint, rules, and the message types. The rest lives in entry points of its own:
 *
 * | entry point | what |
 * |---|---|
 * | `mcpwire/runtime` (`lib/runtime/mod.ts`) | serving, child processes, stdio and files on Deno or Bun |
 * | `mcpwire/upstream` (`lib/upstream/mod.ts`) | every connector and decorator, backoff, session-loss detection |
 * | `mcpwire/downstream` (`lib/downstream/mod.ts`) | the client faces: Streamable HTTP, legacy HTTP+SSE, stdio |
 * | `mcpwire/stores` (`lib/stores/mod.ts`) | the SessionStore and EventStore ports and implementations |
 * | `mcpwire/security` (`lib/security/mod.ts`) | limits: the connection budget derived from the open-file limit |
 * | `mcpwire/protocol` (`lib/protocol/mod.ts`) | JSON-RPC parsing, the revision table, header names |
 * | `mcpwire/sse` (`lib/sse/mod.ts`) | the SSE encoder and decoder |
 * | `mcpwire/intercept` (`lib/intercept/mod.ts`) | the interceptor chain, the rules engine, JSON paths |
 * | `mcpwire/record` (`lib/record/mod.ts`) | tapes: recorder, timeline, replay as a mock server or client |
 * | `mcpwire/conformance` (`conformance/mod.ts`) | the conformance suite and its reports |
 *
 * Import it from a URL in Deno:
 *
 * ```ts ignore
 * import { createReverseProxy } from "https://example.com/mcpwire/mod.ts";
 * import { runtime } from "https://example.com/mcpwire/lib/runtime/mod.ts";
 * const proxy = createReverseProxy({ upstream: "http://127.0.0.1:3001/mcp" });
 * const server = await runtime.serve(proxy.fetch, { hostname: "127.0.0.1", port: 8080 });
 * console.log(`listening on ${server.url}`);
 * ```
 *
 * @module
 */
export { createReverseProxy } from "./lib/proxy/reverse.ts";
export type { StreamLimits } from "./lib/security/limits.ts";
export type { ReverseProxy, ReverseProxyOptions } from "./lib/proxy/reverse.ts";
export { startForwardProxy } from "./lib/proxy/forward.ts";
export type { ForwardProxy, ForwardProxyOptions } from "./lib/proxy/forward.ts";
export type { UpstreamSpec, UpstreamStackOptions } from "./lib/proxy/stack.ts";
export type {
  SendContext,
  Upstream,
  UpstreamConnection,
  UpstreamMessage,
  UpstreamReply,
} from "./lib/upstream/types.ts";
export { UpstreamSessionLostError, UpstreamUnavailableError } from "./lib/upstream/types.ts";
export { httpUpstream } from "./lib/upstream/http.ts";
export { stdioUpstream } from "./lib/upstream/stdio.ts";
export { resilientUpstream } from "./lib/upstream/resilient.ts";
export { interceptUpstream } from "./lib/intercept/upstream.ts";
export { createStreamableHttpEndpoint } from "./lib/downstream/streamable_http.ts";
export type { StreamableHttpEndpoint, StreamableHttpEndpointOptions } from "./lib/downstream/streamable_http.ts";
export { parseRules } from "./lib/intercept/rules_load.ts";
export type { Interceptor } from "./lib/intercept/types.ts";
export type { RuleHit, RuleSet } from "./lib/intercept/rules_types.ts";
export type { Tracing } from "./lib/trace/traced.ts";
export { ErrorCode } from "./lib/jsonrpc/types.ts";
export type { JsonRpcMessage } from "./lib/jsonrpc/types.ts";
export type { Envelope } from "./lib/protocol/envelope.ts";
export type { Revision } from "./lib/protocol/revisions.ts";
