/**
 * The upstream side (entry point `mcpwire/upstream`): the `Upstream` port, the connectors (Streamable HTTP,
 * legacy HTTP+SSE, the two behind one URL, a stdio child) and the decorators (resilience), plus the pieces
 * they are made of that a custom connector may reuse.
 *
 * @module
 */
export * from "./types.ts";
export { streamableHttpUpstream } from "./streamable_http.ts";
export type { StreamableHttpUpstreamOptions } from "./streamable_http.ts";
export { legacySseUpstream } from "./legacy_sse.ts";
export type { LegacySseUpstreamOptions } from "./legacy_sse.ts";
export { httpUpstream } from "./http.ts";
export type { HttpUpstreamOptions, UpstreamTransport } from "./http.ts";
export { stdioUpstream } from "./stdio.ts";
export type { StdioChild, StdioUpstreamOptions } from "./stdio.ts";
export { isResilient, resilientUpstream } from "./resilient.ts";
export type { ResilienceEvent, ResilienceOptions } from "./resilient.ts";
export { isSessionLost } from "./session_lost.ts";
export { backoffDelay, DEFAULT_BACKOFF } from "../kit/backoff.ts";
export type { BackoffOptions, ResolvedBackoff } from "../kit/backoff.ts";
export { splitLines } from "../kit/lines.ts";
export type { SplitLinesOptions } from "../kit/lines.ts";
