/**
 * Tracing of MCP traffic with the OpenTelemetry API (docs/tracing.md): W3C trace context read from and
 * written to HTTP headers and `params._meta`, and the span layers of the default stack. The SDK and the
 * OTLP exporter live in `lib/otel` and are loaded only when tracing is on.
 *
 * @module
 */
export { type HopOptions, traceHop, type Tracing } from "./traced.ts";
export { ATTR, messageAttributes, responseFailure, spanName } from "./attributes.ts";
export { carriesMetaContext, headersFor, parentOf, TRACE_KEYS, withMetaContext } from "./carriers.ts";
