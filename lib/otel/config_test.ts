/** `traceConfig`: the standard OTEL_* variables and `--trace` decide whether tracing is on (docs/tracing.md). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_TRACES_ENDPOINT, traceConfig } from "./config.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

test("tracing is off by default and on with an endpoint variable or --trace", () => {
  assert.equal(traceConfig(envOf({}), false), undefined);
  assert.deepEqual(traceConfig(envOf({}), true), { endpoint: DEFAULT_TRACES_ENDPOINT, serviceName: "mcpwire" });
  assert.equal(
    traceConfig(envOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }), false)?.endpoint,
    "http://collector:4318/v1/traces",
  );
  const both = envOf({
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:9999/custom",
    OTEL_SERVICE_NAME: "gateway",
  });
  assert.deepEqual(traceConfig(both, false), { endpoint: "http://traces:9999/custom", serviceName: "gateway" });
});

test("OTEL_TRACES_EXPORTER=none and OTEL_SDK_DISABLED turn it off; other exporters and bad URLs are errors", () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" };
  assert.equal(traceConfig(envOf({ ...endpoint, OTEL_TRACES_EXPORTER: "none" }), true), undefined);
  assert.equal(traceConfig(envOf({ ...endpoint, OTEL_SDK_DISABLED: "true" }), true), undefined);
  assert.ok(traceConfig(envOf({ ...endpoint, OTEL_TRACES_EXPORTER: "otlp" }), false));
  assert.throws(() => traceConfig(envOf({ ...endpoint, OTEL_TRACES_EXPORTER: "zipkin" }), false), /zipkin/);
  assert.throws(() => traceConfig(envOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "grpc://x:4317" }), false), /http/);
});
