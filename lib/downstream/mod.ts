/**
 * The client-facing faces (entry point `mcpwire/downstream`): the Streamable HTTP endpoint, the legacy
 * 2024-11-05 HTTP+SSE endpoints, the stdio face, the DNS-rebinding defences, and the one error path.
 *
 * @module
 */
export { createStreamableHttpEndpoint } from "./streamable_http.ts";
export type { ExchangeInfo, StreamableHttpEndpoint, StreamableHttpEndpointOptions } from "./streamable_http.ts";
export { createLegacySseEndpoint } from "./legacy_sse.ts";
export type { LegacySseEndpoint, LegacySseOptions } from "./legacy_sse.ts";
export { serveStdio } from "./stdio.ts";
export type { StdioFace, StdioFaceOptions } from "./stdio.ts";
export { createSecurityCheck, isLoopbackHost } from "./security.ts";
export type { SecurityOptions } from "./security.ts";
export { HTTP_ERRORS, HttpError } from "./errors.ts";
export type { HttpErrorCode } from "./errors.ts";
