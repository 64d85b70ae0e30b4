/**
 * Tracing started from its configuration (`config.ts`, docs/tracing.md): an SDK tracer provider with a
 * batching OTLP/HTTP exporter (JSON bodies) and the W3C Trace Context propagator. Only this module loads the
 * SDK; the executables import it dynamically, once the configuration says tracing is on.
 *
 * @module
 */
import { BatchSpanProcessor, OTLPTraceExporter, resourceFromAttributes, TracerProvider } from "./deps.ts";
import { type SpanExporter, W3CTraceContextPropagator } from "./deps.ts";
import type { Tracing } from "../trace/traced.ts";
import type { TraceConfig } from "./config.ts";

/** Tracing that is on: what the proxy stack takes, and how to flush and stop the exporter. */
export interface TracingSetup {
  /** The tracer and propagator for the stack (`UpstreamStackOptions.tracing`). */
  tracing: Tracing;
  /** Exports what is still buffered and stops the exporter (call at shutdown). Never throws. */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing with `config`: spans are batched (every 5 s by default, `OTEL_BSP_*` tune it) and sent
 * as OTLP/HTTP JSON to `config.endpoint`; headers come from `OTEL_EXPORTER_OTLP_HEADERS` as the exporter
 * reads them.
 *
 * @param config From `traceConfig` (`config.ts`).
 * @param version mcpwire's version (`service.version`), when known.
 * @param onError Receives export failures (the proxy goes on without them).
 * @example
 * ```ts ignore
 * const setup = startTracing({ endpoint: "http://127.0.0.1:4318/v1/traces", serviceName: "mcpwire" }, "0.1.0");
 * await setup.shutdown();
 * ```
 */
export function startTracing(
  config: TraceConfig,
  version: string | undefined,
  onError: (error: unknown) => void = () => {},
): TracingSetup {
  const exporter = new OTLPTraceExporter({ url: config.endpoint });
  // Export failures are reported (the SDK's own diagnostics are silent by default); the spans are dropped.
  const reporting: SpanExporter = {
    export: (spans, done) =>
      exporter.export(spans, (result) => {
        if (result.error) onError(result.error);
        done(result);
      }),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush(),
  };
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      "service.name": config.serviceName,
      ...(version !== undefined ? { "service.version": version } : {}),
    }),
    spanProcessors: [new BatchSpanProcessor({ exporter: reporting })],
  });
  return {
    tracing: { tracer: provider.getTracer("mcpwire", version), propagator: new W3CTraceContextPropagator() },
    async shutdown() {
      await provider.shutdown().catch(onError);
    },
  };
}
