/**
 * The OpenTelemetry SDK packages, in one place: imported only by `setup.ts`, which the executables load
 * (dynamically) when tracing is on, so a proxy without tracing never loads them. Like `lib/redis`, this area
 * sits beside `lib/runtime`: the OTLP exporter sends over `node:http` inside its package.
 *
 * @module
 */
export { BatchSpanProcessor, TracerProvider } from "npm:@opentelemetry/sdk-trace@3.1.0";
export type { SpanExporter, SpanProcessor } from "npm:@opentelemetry/sdk-trace@3.1.0";
export { OTLPTraceExporter } from "npm:@opentelemetry/exporter-trace-otlp-http@0.301.0";
export { resourceFromAttributes } from "npm:@opentelemetry/resources@3.1.0";
export { W3CTraceContextPropagator } from "npm:@opentelemetry/core@3.1.0";
