/**
 * Spans for MCP traffic as an {@linkcode Upstream} decorator, used at both hops of the default stack
 * (`lib/proxy/stack.ts`):
 *
 * - the client hop (`kind: "server"`, the outermost layer): one SERVER span per request or notification a
 *   client sent, from the moment mcpwire hands it to its upstream stack until its response comes back
 *   (or is made up); its parent is the client's context (`params._meta`, else the HTTP `traceparent`);
 * - the upstream hop (`kind: "client"`, right around the connector, beneath resilience): one CLIENT span per
 *   attempt — the first send, the retry after a recovery, each replayed `initialize` and
 *   `notifications/initialized` of a re-initialization — whose parent is the SERVER span (or, for a
 *   recovery, the request that triggered it).
 *
 * Each layer hands its span on as the next hop's parent: in the `traceparent` / `tracestate` headers of the
 * send context (HTTP upstreams forward them), and in `params._meta` where the message travels without
 * headers (a stdio upstream), where the revision makes requests self-contained (2026-07-28: `_meta` with a
 * protocol version) or where the client already put trace context there. When tracing is off, the stack
 * has no such layer: no span is created and the client's headers pass as they are. The standalone (GET)
 * stream is not traced, and the client's trace context is not passed on for it.
 *
 * @module
 */
import { type Attributes, type Span, SpanKind, SpanStatusCode, type TextMapPropagator, type Tracer } from "../deps.ts";
import type { JsonRpcId, JsonRpcMessage, JsonRpcResponse } from "../jsonrpc/types.ts";
import { isNotification, isRequest, isResponse } from "../jsonrpc/types.ts";
import { carriesRequestMetadata } from "../protocol/request_meta.ts";
import { onStreamEnd, tap } from "../kit/streams.ts";
import type { SendContext, Upstream, UpstreamConnection, UpstreamReply } from "../upstream/types.ts";
import { ATTR, messageAttributes, responseFailure, spanName } from "./attributes.ts";
import { carriesMetaContext, headersFor, parentOf, TRACE_KEYS, withMetaContext } from "./carriers.ts";

/**
 * What tracing needs: a tracer that makes spans and the propagator that reads and writes W3C trace context
 * (`traceparent`, `tracestate`). `lib/otel` builds both from the standard `OTEL_*` variables; a library
 * user may pass their own (e.g. `trace.getTracer("mcpwire")` and `new W3CTraceContextPropagator()`).
 */
export interface Tracing {
  /** Makes the spans. */
  tracer: Tracer;
  /** Reads and writes trace context in headers and `_meta`. */
  propagator: TextMapPropagator;
}

/** Which hop a {@linkcode traceHop} layer traces. */
export interface HopOptions {
  /** `"server"`: the client hop (SERVER spans); `"client"`: each upstream attempt (CLIENT spans). */
  kind: "server" | "client";
  /**
   * How the upstream is reached (client hop only): `"http"` carries context in headers (and in `_meta` where
   * the message is self-contained or already had it), `"stdio"` in `_meta` always. @default "http"
   */
  transport?: "http" | "stdio";
  /** Attributes of every span (e.g. `server.address`, `server.port`, `network.transport`). */
  attributes?: Attributes;
}

/**
 * Wraps `inner` so that every request and notification sent through it gets a span, as the module doc
 * describes. Responses sent by the client (answers to server requests) and the standalone stream pass
 * untraced.
 *
 * @param inner The layer to wrap.
 * @param tracing The tracer and propagator.
 * @param hop Which hop this is, and how its upstream is reached.
 * @returns An upstream with the same description.
 * @example
 * ```ts ignore
 * const upstream = traceHop(httpUpstream({ url }), tracing, { kind: "client", transport: "http" });
 * ```
 */
export function traceHop(inner: Upstream, tracing: Tracing, hop: HopOptions): Upstream {
  return { description: inner.description, connect: () => new _TracedConnection(inner.connect(), tracing, hop) };
}

class _TracedConnection implements UpstreamConnection {
  readonly #inner: UpstreamConnection;
  readonly #tracing: Tracing;
  readonly #hop: HopOptions;

  constructor(inner: UpstreamConnection, tracing: Tracing, hop: HopOptions) {
    this.#inner = inner;
    this.#tracing = tracing;
    this.#hop = hop;
  }

  get ended(): Promise<void> {
    return this.#inner.ended;
  }

  /**
   * The standalone stream is not a request/response pair: it gets no span, and the client's trace context is
   * not passed on for it (mcpwire would name a parent it did not continue).
   */
  listen(context?: SendContext) {
    if (!context?.headers || !TRACE_KEYS.some((key) => context.headers!.has(key))) return this.#inner.listen(context);
    const headers = new Headers(context.headers);
    for (const key of TRACE_KEYS) headers.delete(key);
    return this.#inner.listen({ ...context, headers });
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  async send(messages: JsonRpcMessage[], context?: SendContext): Promise<UpstreamReply> {
    const { tracer, propagator } = this.#tracing;
    const kind = this.#hop.kind === "server" ? SpanKind.SERVER : SpanKind.CLIENT;
    const spans = new Map<JsonRpcMessage, Span>();
    for (const m of messages) {
      if (!isRequest(m) && !isNotification(m)) continue;
      const attributes = { ...this.#hop.attributes, ...messageAttributes(m, context?.sessionId, context?.revision) };
      spans.set(m, tracer.startSpan(spanName(m), { kind, attributes }, parentOf(propagator, m, context?.headers)));
    }
    const first = spans.values().next().value;
    if (first === undefined) return await this.#inner.send(messages, context);
    const out = messages.map((m) => {
      const span = spans.get(m);
      return span && this.#carriesMeta(m) ? withMetaContext(propagator, span, m) : m;
    });
    let reply: UpstreamReply;
    try {
      reply = await this.#inner.send(out, { ...context, headers: headersFor(propagator, first, context?.headers) });
    } catch (error) {
      const name = error instanceof Error ? error.name : "Error";
      for (const span of spans.values()) {
        _end(span, { type: name, message: String((error as Error)?.message ?? error) });
      }
      throw error;
    }
    return _settle(reply, spans);
  }

  /** Does trace context go into this message's `_meta` (see the module doc)? */
  #carriesMeta(message: JsonRpcMessage): boolean {
    if (carriesMetaContext(message)) return true;
    if (this.#hop.kind === "server") return false;
    return this.#hop.transport === "stdio" || carriesRequestMetadata(message);
  }
}

/** Ends each span when its outcome is known: at once for accepted and HTTP answers, else with its response. */
function _settle(reply: UpstreamReply, spans: Map<JsonRpcMessage, Span>): UpstreamReply {
  if (reply.type === "http") {
    const status = reply.response.status;
    for (const span of spans.values()) {
      span.setAttribute(ATTR.httpStatus, status);
      _end(span, status >= 400 ? { type: String(status), message: `HTTP ${status}` } : undefined);
    }
    return reply;
  }
  const pending = new Map<JsonRpcId, Span>();
  for (const [m, span] of spans) {
    if (reply.type === "messages" && isRequest(m)) pending.set(m.id, span);
    else _end(span, undefined);
  }
  if (reply.type !== "messages" || pending.size === 0) return reply;
  const watched = tap(reply.messages, (m) => {
    if (!isResponse(m) || !("id" in m) || m.id === null || m.id === undefined) return;
    const span = pending.get(m.id);
    if (!span) return;
    pending.delete(m.id);
    _end(span, responseFailure(m as JsonRpcResponse));
  });
  const messages = onStreamEnd(watched, () => {
    for (const span of pending.values()) {
      _end(span, { type: "no_response", message: "The reply ended without a response" });
    }
    pending.clear();
  });
  return { ...reply, messages };
}

function _end(span: Span, failure: { type: string; message: string; code?: string } | undefined): void {
  if (failure) {
    span.setAttribute(ATTR.errorType, failure.type);
    if (failure.code !== undefined) span.setAttribute(ATTR.statusCode, failure.code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
  }
  span.end();
}
