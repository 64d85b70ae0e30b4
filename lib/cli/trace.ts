/**
 * Tracing for the proxy commands (`reverse`, `forward`): the `--trace` flag and the standard `OTEL_*`
 * variables decide (`lib/otel/config.ts`); only when tracing is on is the OpenTelemetry SDK loaded
 * (`lib/otel/setup.ts`, imported dynamically), so a proxy without tracing pays nothing for it.
 *
 * @module
 */
import type { Runtime } from "../runtime/mod.ts";
import { traceConfig } from "../otel/config.ts";
import type { TracingSetup } from "../otel/setup.ts";
import type { FlagSpec, ParsedArgs } from "./args.ts";
import { UsageError } from "./args.ts";

/** The tracing flag of `reverse` and `forward`. */
export const TRACE_FLAGS = { trace: { type: "boolean" } } as const satisfies Record<string, FlagSpec>;

/** Usage lines of {@linkcode TRACE_FLAGS}. */
export const TRACE_USAGE = `  --trace                  export OpenTelemetry traces over OTLP/HTTP (default endpoint
                           http://localhost:4318/v1/traces); also on when OTEL_EXPORTER_OTLP_ENDPOINT or
                           OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set; OTEL_TRACES_EXPORTER=none turns it off
                           (docs/tracing.md)
`;

/**
 * Starts tracing when the flags or the environment ask for it.
 *
 * @param flags The parsed flags (`--trace`).
 * @param rt The runtime: environment variables are read through it.
 * @param log Where the one "tracing to …" line and export failures go.
 * @returns The running setup (give `tracing` to the stack, call `shutdown` at exit), or `undefined` when off.
 * @throws {UsageError} For an unsupported `OTEL_TRACES_EXPORTER` or an endpoint that is not an http(s) URL.
 * @example
 * ```ts ignore
 * const traced = await tracingFromFlags(flags, rt, log);
 * if (traced) options.tracing = traced.tracing;
 * ```
 */
export async function tracingFromFlags(
  flags: ParsedArgs["flags"],
  rt: Runtime,
  log: (line: string) => void,
): Promise<TracingSetup | undefined> {
  let config;
  try {
    config = traceConfig(rt.env, Boolean(flags.trace));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (!config) return undefined;
  const { startTracing } = await import("../otel/setup.ts");
  let failures = 0;
  const setup = startTracing(config, undefined, (error) => {
    // One line per failure would flood the log while a collector is down: the first, then every 100th.
    if (failures++ % 100 === 0) {
      log(`trace export failed (${failures}): ${error instanceof Error ? error.message : error}`);
    }
  });
  log(`tracing to ${config.endpoint} as ${config.serviceName}`);
  return setup;
}
