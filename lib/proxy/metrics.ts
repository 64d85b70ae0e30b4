/**
 * Prometheus metrics of the reverse proxy, in the text exposition format (version 0.0.4): open sessions
 * and streams, messages by direction and method, upstream errors, replayed events, and a request latency
 * histogram; per replica, the latency and errors of the session and event stores (issue 14).
 *
 * @module
 */
import type { Envelope } from "../protocol/envelope.ts";
import type { ExchangeInfo } from "../downstream/streamable_http.ts";

/** Latency buckets, in seconds. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Methods counted by name; anything else is counted as `other` to bound label cardinality. */
const KNOWN_METHODS = new Set([
  "initialize",
  "ping",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "logging/setLevel",
  "sampling/createMessage",
  "elicitation/create",
  "roots/list",
  "notifications/initialized",
  "notifications/progress",
  "notifications/message",
  "notifications/cancelled",
  "notifications/resources/updated",
  "notifications/resources/list_changed",
  "notifications/tools/list_changed",
  "notifications/prompts/list_changed",
  "notifications/roots/list_changed",
]);

/** Gauges read at scrape time. */
export interface GaugeSource {
  sessions: number;
  connections: number;
  legacySessions: number;
}

/**
 * Collects counters from the endpoint's observer callbacks and renders them.
 *
 * @example
 * ```ts
 * import { Metrics } from "./metrics.ts";
 * const m = new Metrics();
 * m.onMessage({ direction: "client-to-server", message: { jsonrpc: "2.0", id: 1, method: "ping" }, receivedAt: 0 });
 * console.assert(m.render({ sessions: 0, connections: 0, legacySessions: 0 }).includes('method="ping"'));
 * ```
 */
export class Metrics {
  #messages = new Map<string, number>();
  /** Label sets by direction and method (see `onMessage`). */
  #labels: Record<Envelope["direction"], Map<string, string>> = {
    "client-to-server": new Map(),
    "server-to-client": new Map(),
  };
  #upstreamErrors = 0;
  #eventsTooLarge = 0;
  #replayed = 0;
  #latency = new Histogram();
  #statuses = new Map<string, number>();
  #storeLatency = new Histogram();
  #storeErrors = new Map<string, number>();

  /**
   * Counts one message (observer of `onMessage`). The label set of each (direction, method) pair is built
   * once and kept in a table, not formatted per message.
   */
  onMessage(envelope: Envelope): void {
    const m = envelope.message;
    const method = "method" in m
      ? (KNOWN_METHODS.has(m.method) ? m.method : "other")
      : "error" in m
      ? "error"
      : "result";
    const labels = this.#labels[envelope.direction];
    let key = labels.get(method);
    if (key === undefined) {
      key = `direction="${envelope.direction}",method="${method}"`;
      labels.set(method, key);
    }
    this.#messages.set(key, (this.#messages.get(key) ?? 0) + 1);
  }

  /** Records one exchange's latency and status (observer of `onExchange`). */
  onExchange(exchange: ExchangeInfo): void {
    const method = exchange.method;
    this.#latency.observe(`method="${method}"`, exchange.durationMs / 1000);
    const status = `method="${method}",status="${exchange.status}"`;
    this.#statuses.set(status, (this.#statuses.get(status) ?? 0) + 1);
  }

  /**
   * Records one store call (observer of {@linkcode timedStore}): its duration and whether it failed.
   *
   * @param store `"session"` or `"event"`.
   * @param operation The store method, e.g. `get`, `append`.
   * @param seconds How long the call took, in seconds.
   */
  onStoreCall(store: "session" | "event", operation: string, seconds: number, failed: boolean): void {
    const labels = `store="${store}",operation="${operation}"`;
    this.#storeLatency.observe(labels, seconds);
    if (failed) this.#storeErrors.set(labels, (this.#storeErrors.get(labels) ?? 0) + 1);
  }

  /** Counts an upstream failure (observer of `onError`). */
  onUpstreamError(): void {
    this.#upstreamErrors++;
  }

  /** Counts an upstream SSE event over the connector's `maxEventSize` (observer of `onEventTooLarge`). */
  onEventTooLarge(): void {
    this.#eventsTooLarge++;
  }

  /** Counts events replayed to resuming clients (observer of `onReplay`). */
  onReplay(count: number): void {
    this.#replayed += count;
  }

  /** The metrics in Prometheus text format. */
  render(gauges: GaugeSource): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string) =>
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    metric("mcpwire_sessions_open", "gauge", "Open downstream Streamable HTTP sessions.");
    lines.push(`mcpwire_sessions_open ${gauges.sessions}`);
    metric("mcpwire_legacy_sessions_open", "gauge", "Open downstream 2024-11-05 HTTP+SSE sessions.");
    lines.push(`mcpwire_legacy_sessions_open ${gauges.legacySessions}`);
    metric("mcpwire_sse_streams_open", "gauge", "Open downstream SSE connections.");
    lines.push(`mcpwire_sse_streams_open ${gauges.connections}`);
    metric("mcpwire_messages_total", "counter", "JSON-RPC messages by direction and method.");
    for (const [labels, n] of this.#messages) lines.push(`mcpwire_messages_total{${labels}} ${n}`);
    metric("mcpwire_upstream_errors_total", "counter", "Failures reaching or reading the upstream.");
    lines.push(`mcpwire_upstream_errors_total ${this.#upstreamErrors}`);
    metric(
      "mcpwire_upstream_events_too_large_total",
      "counter",
      "Upstream SSE events over --max-upstream-event-bytes (each answered with a JSON-RPC error).",
    );
    lines.push(`mcpwire_upstream_events_too_large_total ${this.#eventsTooLarge}`);
    metric("mcpwire_replayed_events_total", "counter", "SSE events replayed to clients resuming with Last-Event-ID.");
    lines.push(`mcpwire_replayed_events_total ${this.#replayed}`);
    metric("mcpwire_http_responses_total", "counter", "HTTP responses of the MCP endpoint by method and status.");
    for (const [labels, n] of this.#statuses) lines.push(`mcpwire_http_responses_total{${labels}} ${n}`);
    metric("mcpwire_http_request_duration_seconds", "histogram", "Time from request to response head, by method.");
    this.#latency.render("mcpwire_http_request_duration_seconds", lines);
    metric("mcpwire_store_seconds", "histogram", "Time of session and event store calls, by store and operation.");
    this.#storeLatency.render("mcpwire_store_seconds", lines);
    metric("mcpwire_store_errors_total", "counter", "Failed session and event store calls, by store and operation.");
    for (const [labels, n] of this.#storeErrors) lines.push(`mcpwire_store_errors_total{${labels}} ${n}`);
    return lines.join("\n") + "\n";
  }
}

/** A Prometheus histogram with the {@linkcode BUCKETS}, one series per label set. */
class Histogram {
  #series = new Map<string, { buckets: number[]; sum: number; count: number }>();

  /** Adds one observation (seconds) to the series of `labels` (`name="value",…`). */
  observe(labels: string, seconds: number): void {
    let series = this.#series.get(labels);
    if (!series) this.#series.set(labels, series = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 });
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) series.buckets[i]!++;
    });
    series.sum += seconds;
    series.count++;
  }

  /** Appends the `_bucket`, `_sum` and `_count` lines of every series to `lines`. */
  render(name: string, lines: string[]): void {
    for (const [labels, { buckets, sum, count }] of this.#series) {
      BUCKETS.forEach((b, i) => lines.push(`${name}_bucket{${labels},le="${b}"} ${buckets[i]}`));
      lines.push(`${name}_bucket{${labels},le="+Inf"} ${count}`);
      lines.push(`${name}_sum{${labels}} ${sum}`);
      lines.push(`${name}_count{${labels}} ${count}`);
    }
  }
}

/**
 * `store` with every method that returns a promise timed: `onCall(operation, seconds, failed)` runs when the
 * call settles (the result or the error passes through unchanged). Other properties (`shared`) are the
 * store's own. For the per-replica store metrics (`mcpwire_store_seconds`, `mcpwire_store_errors_total`).
 *
 * @example
 * ```ts
 * import { timedStore } from "./metrics.ts";
 * import { InMemorySessionStore } from "../stores/session_store.ts";
 * const calls: string[] = [];
 * const store = timedStore(new InMemorySessionStore(), (op) => calls.push(op));
 * await store.get("x");
 * console.assert(calls[0] === "get");
 * ```
 */
export function timedStore<T extends object>(
  store: T,
  onCall: (operation: string, seconds: number, failed: boolean) => void,
): T {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function" || typeof property !== "string") return value;
      return (...args: unknown[]) => {
        const started = performance.now();
        const done = (failed: boolean) => onCall(property, (performance.now() - started) / 1000, failed);
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.then(
          (v) => (done(false), v),
          (e) => {
            done(true);
            throw e;
          },
        );
      };
    },
  });
}
