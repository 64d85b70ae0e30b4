/**
 * Where W3C trace context travels with an MCP message: the HTTP `traceparent` / `tracestate` headers of the
 * request that carried it, and the message's own `params._meta` (the keys `traceparent`, `tracestate` and
 * `baggage` are reserved there, unprefixed, by 2026-07-28 "General fields: `_meta`"; the OpenTelemetry
 * semantic conventions for MCP propagate context the same way on every revision). Reading and writing go
 * through the configured propagator (`TextMapPropagator`), never through hand-parsed strings.
 *
 * @module
 */
import { type Context, ROOT_CONTEXT, type Span, type TextMapPropagator, trace } from "../deps.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import { requestMeta } from "../protocol/request_meta.ts";

/** The trace-context keys, as header names and as `_meta` keys. */
export const TRACE_KEYS: readonly string[] = ["traceparent", "tracestate"];

const HEADERS_GETTER = {
  get: (carrier: Headers, key: string) => carrier.get(key) ?? undefined,
  keys: (carrier: Headers) => [...carrier.keys()],
};
const HEADERS_SETTER = { set: (carrier: Headers, key: string, value: string) => carrier.set(key, value) };
const META_GETTER = {
  get: (carrier: Record<string, unknown>, key: string) =>
    typeof carrier[key] === "string" ? carrier[key] as string : undefined,
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
};
const META_SETTER = {
  set: (carrier: Record<string, unknown>, key: string, value: string) => (carrier[key] = value),
};

/**
 * The remote parent of `message`: the context in its `params._meta` when that carries a valid
 * `traceparent` (the MCP context wins over the transport's, as the semantic conventions say), else the one
 * in `headers`; `ROOT_CONTEXT` (a new trace) when neither has one.
 *
 * @param propagator Reads the carriers (W3C Trace Context).
 * @param message The request or notification.
 * @param headers The headers of the HTTP request that carried it, when there was one.
 * @example
 * ```ts ignore
 * const parent = parentOf(new W3CTraceContextPropagator(), message, request.headers);
 * ```
 */
export function parentOf(propagator: TextMapPropagator, message: JsonRpcMessage, headers?: Headers): Context {
  const meta = requestMeta(message);
  if (meta && typeof meta.traceparent === "string") {
    const found = propagator.extract(ROOT_CONTEXT, meta, META_GETTER);
    if (trace.getSpanContext(found)) return found;
  }
  if (headers?.has("traceparent")) return propagator.extract(ROOT_CONTEXT, headers, HEADERS_GETTER);
  return ROOT_CONTEXT;
}

/**
 * A copy of `headers` (or new headers) whose trace context names `span`: the old `traceparent` and
 * `tracestate` are replaced, so the next hop sees mcpwire's span as its parent.
 *
 * @example
 * ```ts ignore
 * const out = headersFor(propagator, span, context.headers);
 * ```
 */
export function headersFor(propagator: TextMapPropagator, span: Span, headers?: Headers): Headers {
  const out = new Headers(headers);
  for (const key of TRACE_KEYS) out.delete(key);
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), out, HEADERS_SETTER);
  return out;
}

/**
 * Does `message` carry trace context (`traceparent` or `tracestate`) in its `params._meta`?
 *
 * @example
 * ```ts
 * import { carriesMetaContext } from "./carriers.ts";
 * console.assert(carriesMetaContext({ jsonrpc: "2.0", id: 1, method: "ping", params: { _meta: { traceparent: "00-…" } } }));
 * ```
 */
export function carriesMetaContext(message: JsonRpcMessage): boolean {
  const meta = requestMeta(message);
  return meta !== undefined && TRACE_KEYS.some((key) => key in meta);
}

/**
 * A copy of `message` whose `params._meta` names `span` (`traceparent`, and `tracestate` when the span's
 * context has one); the other `_meta` keys and params are kept. Only requests and notifications change.
 *
 * @example
 * ```ts ignore
 * const out = withMetaContext(propagator, span, { jsonrpc: "2.0", id: 1, method: "ping" });
 * ```
 */
export function withMetaContext(propagator: TextMapPropagator, span: Span, message: JsonRpcMessage): JsonRpcMessage {
  if (!("method" in message)) return message;
  const params = message.params;
  if (Array.isArray(params)) return message;
  const meta: Record<string, unknown> = { ...requestMeta(message) };
  for (const key of TRACE_KEYS) delete meta[key];
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), meta, META_SETTER);
  return { ...message, params: { ...params, _meta: meta } };
}
