/**
 * Per-replica store metrics (issue 14): `timedStore` times every store call and counts failures, and
 * `Metrics` renders them as `mcpwire_store_seconds` and `mcpwire_store_errors_total`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Metrics, timedStore } from "./metrics.ts";
import { InMemorySessionStore, type SessionStore } from "../stores/session_store.ts";
import { sampleSessionRecord } from "../../testing/store_contract.ts";

const gauges = { sessions: 0, connections: 0, legacySessions: 0 };

test("store calls are timed by operation, failures counted, results and errors passed through", async () => {
  const metrics = new Metrics();
  const inner = new InMemorySessionStore();
  const broken: SessionStore = Object.assign(Object.create(inner), {
    get: () => Promise.reject(new Error("redis away")),
  });
  const store = timedStore(inner, (op, s, f) => metrics.onStoreCall("session", op, s, f));
  const failing = timedStore(broken, (op, s, f) => metrics.onStoreCall("session", op, s, f));
  await store.set(sampleSessionRecord("a"));
  assert.equal((await store.get("a"))?.id, "a");
  assert.equal(await store.touch("a", 5), true);
  await assert.rejects(failing.get("a"), /redis away/);
  const text = metrics.render(gauges);
  assert.match(text, /# TYPE mcpwire_store_seconds histogram/);
  assert.match(text, /mcpwire_store_seconds_count\{store="session",operation="get"\} 2\n/);
  assert.match(text, /mcpwire_store_seconds_count\{store="session",operation="set"\} 1\n/);
  assert.match(text, /mcpwire_store_seconds_bucket\{store="session",operation="touch",le="\+Inf"\} 1\n/);
  assert.match(text, /mcpwire_store_errors_total\{store="session",operation="get"\} 1\n/);
  assert.doesNotMatch(text, /mcpwire_store_errors_total\{store="session",operation="set"\}/);
});

test("the request latency histogram still renders per method", () => {
  const metrics = new Metrics();
  metrics.onExchange({ method: "POST", status: 200, durationMs: 3 } as never);
  const text = metrics.render(gauges);
  assert.match(text, /mcpwire_http_request_duration_seconds_bucket\{method="POST",le="0.005"\} 1\n/);
  assert.match(text, /mcpwire_http_request_duration_seconds_bucket\{method="POST",le="0.0025"\} 0\n/);
  assert.match(text, /mcpwire_http_request_duration_seconds_count\{method="POST"\} 1\n/);
});
