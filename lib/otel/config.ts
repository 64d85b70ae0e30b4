/**
 * Whether tracing is on, and where spans go, from the standard OpenTelemetry environment variables
 * (docs/tracing.md). Off unless an OTLP endpoint is configured or the command line asks for it (`--trace`);
 * `OTEL_TRACES_EXPORTER=none` and `OTEL_SDK_DISABLED=true` turn it off whatever else says. No SDK is loaded
 * here: `setup.ts` does that once this says tracing is on.
 *
 * @module
 */

/** What {@linkcode traceConfig} found: where spans go and under which service name. */
export interface TraceConfig {
  /** The OTLP/HTTP traces URL, e.g. `http://127.0.0.1:4318/v1/traces`. */
  endpoint: string;
  /** The `service.name` resource attribute. */
  serviceName: string;
}

/** The default traces endpoint of an OTLP/HTTP collector on this machine (the OTLP exporter spec's default). */
export const DEFAULT_TRACES_ENDPOINT = "http://localhost:4318/v1/traces";

/**
 * Reads the tracing configuration from the environment (`env` is the runtime's reader).
 *
 * - `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is used as it is; else `OTEL_EXPORTER_OTLP_ENDPOINT` gets
 *   `/v1/traces` appended; else `requested` (the `--trace` flag) means {@linkcode DEFAULT_TRACES_ENDPOINT}.
 * - `OTEL_TRACES_EXPORTER` may be `otlp` (or unset); `none` turns tracing off; anything else is an error.
 * - `OTEL_SERVICE_NAME` names the service (default `mcpwire`).
 *
 * @returns The configuration, or `undefined` when tracing stays off.
 * @throws {Error} For an exporter other than `otlp`/`none`, or an endpoint that is not an http(s) URL.
 * @example
 * ```ts
 * import { traceConfig } from "./config.ts";
 * const env = (name: string) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" } as Record<string, string>)[name];
 * console.assert(traceConfig(env, false)?.endpoint === "http://127.0.0.1:4318/v1/traces");
 * console.assert(traceConfig(() => undefined, false) === undefined);
 * ```
 */
export function traceConfig(env: (name: string) => string | undefined, requested: boolean): TraceConfig | undefined {
  const set = (name: string) => {
    const value = env(name)?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  if (set("OTEL_SDK_DISABLED")?.toLowerCase() === "true") return undefined;
  const exporters = (set("OTEL_TRACES_EXPORTER") ?? "otlp").split(",").map((e) => e.trim().toLowerCase());
  if (exporters.includes("none")) return undefined;
  const other = exporters.find((e) => e !== "otlp");
  if (other !== undefined) throw new Error(`OTEL_TRACES_EXPORTER=${other} is not supported (use otlp or none)`);
  const signal = set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  const base = set("OTEL_EXPORTER_OTLP_ENDPOINT");
  const endpoint = signal ?? (base !== undefined ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined) ??
    (requested ? DEFAULT_TRACES_ENDPOINT : undefined);
  if (endpoint === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`The OTLP traces endpoint must be an http(s) URL (got ${endpoint})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`The OTLP traces endpoint must be an http(s) URL (got ${endpoint})`);
  }
  return { endpoint, serviceName: set("OTEL_SERVICE_NAME") ?? "mcpwire" };
}
