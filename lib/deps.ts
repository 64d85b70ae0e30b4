/**
 * Every third-party import of mcpwire's runtime code, in one place. `npm:` specifiers let Deno import
 * `mod.ts` from a URL with no configuration; Bun maps them with `lib/runtime/bun_npm_plugin.ts`.
 *
 * @module
 */
export { createParser } from "npm:eventsource-parser@^4.1.3";
export type { EventSourceMessage, ParseError } from "npm:eventsource-parser@^4.1.3";
export { Hono } from "npm:hono@^4.13.19";
export type { Context as HonoContext } from "npm:hono@^4.13.19";
export { cors } from "npm:hono@^4.13.19/cors";
export { isMap, isScalar, isSeq, LineCounter, parseDocument } from "npm:yaml@^2";
export type { Node as YamlNode } from "npm:yaml@^2";
export { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify } from "npm:jose@6.2.18";
export type { JWTPayload } from "npm:jose@6.2.18";
// Tracing: the OpenTelemetry API only (no SDK here: `lib/otel/deps.ts` holds it, loaded when tracing is on).
export { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "npm:@opentelemetry/api@1.10.0";
export type { Attributes, Context, Span, TextMapPropagator, Tracer } from "npm:@opentelemetry/api@1.10.0";
