/**
 * The bridge from 2025-era sessions to a 2026-07-28 (stateless) upstream, as an `Upstream` decorator: every
 * 2025-era face (Streamable HTTP sessions, legacy HTTP+SSE, the stdio face of `mcpwire forward`) keeps its
 * session, and the upstream sees only self-contained modern requests (docs/bridging.md).
 *
 * A connection decides at the client's `initialize`: when the upstream's era is 2026-07-28 (known, forced, or
 * found by a `server/discover` probe, T-BC-03) mcpwire answers `initialize` itself from `server/discover`
 * (the revision negotiated with the client, T-LIFE-01; the session id is minted by the session core as
 * always), and then bridges: requests through `modern_bridge_rounds.ts`, the GET stream through
 * `modern_bridge_listen.ts`, `notifications/cancelled` as the abort of the modern request (T-POST-10). Any
 * other connection (a 2025-era upstream, a 2026-07-28 client's own requests) passes through unchanged.
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import { errorResponse, isNotification, isRequest, isResponse } from "../jsonrpc/types.ts";
import { carriesRequestMetadata } from "../protocol/request_meta.ts";
import { isRevision, negotiateRevision, rulesFor } from "../protocol/revisions.ts";
import { sleep } from "../kit/deadline.ts";
import type { EraCache } from "./era.ts";
import { bridgedListen } from "./modern_bridge_listen.ts";
import { bridgedReply } from "./modern_bridge_rounds.ts";
import { type BridgeObserver, BridgeState, modernRequest } from "./modern_bridge_state.ts";
import { discoveredInit } from "./modern_bridge_init.ts";
import { type SendContext, streamOf, type Upstream, type UpstreamConnection, type UpstreamReply } from "./types.ts";

/**
 * An upstream whose 2025-era sessions are bridged to it when it speaks 2026-07-28.
 *
 * @param inner The connector (one connection per modern request).
 * @param era The upstream's era cache (shared with the faces).
 * @param observer Observes the upstream hop (2026-07-28 envelopes), for tapes.
 * @example
 * ```ts ignore
 * const upstream = modernBridgeUpstream(httpUpstream({ url }), createEraCache("auto"));
 * ```
 */
export function modernBridgeUpstream(inner: Upstream, era: EraCache, observer?: BridgeObserver): Upstream {
  return { description: inner.description, connect: () => new BridgedConnection(inner, era, observer) };
}

class BridgedConnection implements UpstreamConnection {
  #inner: Upstream;
  #era: EraCache;
  #observer: BridgeObserver | undefined;
  /** The pass-through connection (before or without bridging). */
  #direct: UpstreamConnection | undefined;
  #state: BridgeState | undefined;
  #closing = new AbortController();
  #endedResolve!: () => void;
  readonly ended: Promise<void> = new Promise((resolve) => (this.#endedResolve = resolve));

  constructor(inner: Upstream, era: EraCache, observer: BridgeObserver | undefined) {
    this.#inner = inner;
    this.#era = era;
    this.#observer = observer;
  }

  #passThrough(): UpstreamConnection {
    if (!this.#direct) {
      this.#direct = this.#inner.connect();
      void this.#direct.ended.then(() => this.#endedResolve());
    }
    return this.#direct;
  }

  async send(messages: JsonRpcMessage[], context?: SendContext): Promise<UpstreamReply> {
    const first = messages[0];
    if (this.#state) {
      this.#state.sessionId = context?.sessionId ?? this.#state.sessionId;
      return this.#bridge(this.#state, messages, context);
    }
    if (this.#direct || messages.length !== 1 || !first || !isRequest(first) || first.method !== "initialize") {
      return await this.#passThrough().send(messages, context);
    }
    if (carriesRequestMetadata(first) || this.#era.era === "2025") {
      return await this.#passThrough().send(messages, context);
    }
    const state = new BridgeState(this.#inner, first, this.#observer);
    state.sessionId = context?.sessionId;
    const discovered = await this.#discover(state, context);
    // A server that still speaks a 2025 revision too (a dual-era server) gets the client's own session.
    if (!discovered || _speaksSessions(discovered)) return await this.#passThrough().send(messages, context);
    this.#state = state;
    state.discovered = discovered;
    const revision = negotiateRevision((first.params as { protocolVersion?: unknown } | undefined)?.protocolVersion);
    return complete([discoveredInit(first, revision, discovered)]);
  }

  /** `server/discover` upstream: its result when the upstream speaks 2026-07-28, else `undefined`. */
  async #discover(state: BridgeState, context?: SendContext): Promise<Record<string, unknown> | undefined> {
    const request = modernRequest(state, "mcpwire-discover", "server/discover", {});
    const connection = this.#inner.connect();
    state.observe("client-to-server", request, "post");
    try {
      const reply = await connection.send([request], { headers: await state.headersFor(request, context?.headers) });
      if (reply.type !== "messages") {
        await this.#era.learn(reply);
        if (reply.type === "http") await reply.response.body?.cancel().catch(() => {});
        return undefined;
      }
      let result: Record<string, unknown> | undefined;
      const reader = reply.messages.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        const m = read.value.message;
        state.observe("server-to-client", m, "post");
        if (isResponse(m) && m.id === request.id && "result" in m) result = m.result as Record<string, unknown>;
      }
      // Only a DiscoverResult that lists 2026-07-28 proves a modern server: a 2025 server may answer the probe
      // with a JSON-RPC error (-32601) in a 200 instead of the 4xx T-BC-03 asks for, and a mock with `{}`.
      const modern = result !== undefined && _listsStateless(result);
      this.#era.set(modern ? "2026-07-28" : "2025");
      return modern ? result : undefined;
    } finally {
      await connection.close().catch(() => {});
    }
  }

  #bridge(state: BridgeState, messages: JsonRpcMessage[], context?: SendContext): UpstreamReply {
    const replies: UpstreamReply[] = [];
    for (const message of messages) {
      if (isRequest(message)) replies.push(this.#request(state, message, context));
      else if (isResponse(message)) state.answer(message);
      else if (isNotification(message) && message.method === "notifications/cancelled") {
        const id = (message.params as { requestId?: unknown } | undefined)?.requestId;
        state.inflight.get(JSON.stringify(id))?.abort();
      }
    }
    if (replies.length === 0) return { type: "accepted" };
    if (replies.length === 1) return replies[0]!;
    return { type: "messages", delivery: "streamed", messages: _merge(replies) };
  }

  #request(state: BridgeState, request: JsonRpcRequest, context?: SendContext): UpstreamReply {
    const params = (request.params ?? {}) as { uri?: unknown };
    switch (request.method) {
      case "ping":
        return complete([{ jsonrpc: "2.0", id: request.id, result: {} }]);
      case "initialize":
        return complete([errorResponse(request.id, -32600, "The session is already initialized")]);
      case "resources/subscribe":
      case "resources/unsubscribe": {
        // 2026-07-28 has no resources/subscribe: a subscription is part of the listen stream's filter.
        if (typeof params.uri !== "string") {
          return complete([errorResponse(request.id, -32602, "params.uri is required")]);
        }
        if (request.method === "resources/subscribe") state.subscriptions.add(params.uri);
        else state.subscriptions.delete(params.uri);
        // Answered once the listen stream carries the new filter (bounded), so an update that follows the
        // client's subscribe is not published into the gap.
        return {
          type: "messages",
          delivery: "complete",
          messages: _after(
            Promise.race([state.onSubscriptionsChanged(), sleep(SUBSCRIBE_ACK_MS)]),
            { jsonrpc: "2.0", id: request.id, result: {} },
          ),
        };
      }
      default:
        return bridgedReply(state, request, context);
    }
  }

  async listen(context?: SendContext) {
    if (!this.#state) return await this.#passThrough().listen(context);
    return bridgedListen(this.#state, this.#closing.signal);
  }

  async close(): Promise<void> {
    this.#closing.abort();
    for (const aborter of this.#state?.inflight.values() ?? []) aborter.abort();
    this.#endedResolve();
    await this.#direct?.close();
  }
}

function complete(messages: JsonRpcMessage[]): UpstreamReply {
  return { type: "messages", delivery: "complete", messages: streamOf(messages.map((message) => ({ message }))) };
}

/** Does a DiscoverResult list a stateless (2026-07-28) revision among its `supportedVersions`? */
function _listsStateless(discovered: Record<string, unknown>): boolean {
  const versions = discovered.supportedVersions;
  return Array.isArray(versions) &&
    versions.some((v) => typeof v === "string" && isRevision(v) && rulesFor(v).transport === "stateless-http");
}

/** Does a DiscoverResult list a session-based (2025-era) revision among its `supportedVersions`? */
function _speaksSessions(discovered: Record<string, unknown>): boolean {
  const versions = discovered.supportedVersions;
  return Array.isArray(versions) &&
    versions.some((v) => typeof v === "string" && isRevision(v) && rulesFor(v).transport !== "stateless-http");
}

/** How long a bridged `resources/subscribe` waits for the re-opened listen stream's acknowledgment, ms. */
const SUBSCRIBE_ACK_MS = 2_000;

/** A one-message reply stream that yields `message` once `ready` settles. */
function _after(ready: Promise<unknown>, message: JsonRpcMessage): ReadableStream<{ message: JsonRpcMessage }> {
  return new ReadableStream({
    async start(controller) {
      await ready.catch(() => {});
      controller.enqueue({ message });
      controller.close();
    },
  });
}

/** Several streamed replies as one stream (a 2025-03-26 batch of requests sent together). */
function _merge(replies: UpstreamReply[]) {
  const streams = replies.flatMap((r) => r.type === "messages" ? [r.messages] : []);
  return new ReadableStream({
    async start(controller) {
      await Promise.all(streams.map(async (s) => {
        for await (const item of s) controller.enqueue(item);
      }));
      controller.close();
    },
  });
}
