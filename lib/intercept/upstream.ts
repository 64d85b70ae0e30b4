/**
 * `interceptUpstream`: an {@linkcode Upstream} decorator that runs an interceptor chain on every message
 * in both directions — each batch member, and each event of an SSE reply or of the standalone stream as
 * it streams (one message at a time through a `TransformStream`, never buffering the stream).
 *
 * Any proxy that speaks to an `Upstream` (the reverse proxy, the forward proxy) gets interception by
 * wrapping its upstream.
 *
 * @module
 */
import { StandaloneBuffer } from "../kit/standalone_buffer.ts";
import type { JsonRpcId, JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import { ErrorCode, errorResponse, isRequest, isResponse } from "../jsonrpc/types.ts";
import { createEnvelope, type Direction } from "../protocol/envelope.ts";
import type { Revision } from "../protocol/revisions.ts";
import type { SendContext, Upstream, UpstreamConnection, UpstreamMessage, UpstreamReply } from "../upstream/types.ts";
import type { InterceptorChain } from "./chain.ts";
import type { Injection, Intercepted } from "./types.ts";
import { _prepend } from "./_streams.ts";
import { streamOf } from "../upstream/types.ts";

/** Options of {@linkcode interceptUpstream}. */
export interface InterceptUpstreamOptions {
  /**
   * Server-to-client messages injected while no standalone stream is open are kept until one opens;
   * beyond this count the oldest are dropped. @default 1_000
   */
  maxQueuedInjections?: number;
  /** Observes failures of injected sends and of the decorator itself (for logs). */
  onError?: (error: unknown) => void;
}

/** Most ids remembered per connection for request ↔ response correlation. */
const _MAX_TRACKED = 10_000;

/**
 * Wraps `inner` so that `chain` sees and shapes every message.
 *
 * - Client → server messages are intercepted in `send()`. A request answered locally (block, respond)
 *   never reaches the upstream; its answer comes back as a `messages` reply (JSON for a single answer,
 *   SSE when injected notifications go with it). When only part of a batch is answered locally, the local
 *   answers are merged in front of the upstream's reply stream.
 * - Server → client messages are intercepted item by item in the reply streams and in the `listen()`
 *   stream. Injected server → client messages go on the reply stream being intercepted when it is an SSE
 *   stream, otherwise on the standalone (`listen()`) stream.
 * - Injected client → server messages are sent on their own (never turning a single message into a batch,
 *   which 2025-06-18 forbids, T-BATCH-02); responses to injected requests are swallowed.
 *
 * @param inner The upstream to wrap.
 * @param chain The chain to run (see `createInterceptorChain`).
 * @param options Queue bound and error reporting.
 * @returns An upstream with the same description.
 * @example
 * ```ts ignore
 * const chain = createInterceptorChain([(e) => e.direction === "server-to-client" ? undefined : undefined]);
 * const proxy = createReverseProxy({ upstream: interceptUpstream(stdioUpstream({ ... }), chain) });
 * ```
 */
export function interceptUpstream(
  inner: Upstream,
  chain: InterceptorChain,
  options: InterceptUpstreamOptions = {},
): Upstream {
  return {
    description: inner.description,
    connect: () => new _InterceptedConnection(inner.connect(), chain, options),
  };
}

class _InterceptedConnection implements UpstreamConnection {
  #inner: UpstreamConnection;
  #chain: InterceptorChain;
  #options: InterceptUpstreamOptions;
  /** Client requests sent upstream, by id: responses find their request here. */
  #clientRequests = new Map<JsonRpcId, JsonRpcRequest>();
  /** Server requests passed to the client, by id: the client's responses find their request here. */
  #serverRequests = new Map<JsonRpcId, JsonRpcRequest>();
  /** The standalone stream: the upstream's own messages and injected ones, kept while nobody listens. */
  #standalone: StandaloneBuffer<UpstreamMessage>;
  /** Which `listen` is current: an older one stops feeding the stream. */
  #generation = 0;

  constructor(inner: UpstreamConnection, chain: InterceptorChain, options: InterceptUpstreamOptions) {
    this.#inner = inner;
    this.#chain = chain;
    this.#options = options;
    this.#standalone = new StandaloneBuffer(options.maxQueuedInjections ?? 1_000);
  }

  get ended(): Promise<void> {
    return this.#inner.ended;
  }

  close(): Promise<void> {
    this.#standalone.detach();
    return this.#inner.close();
  }

  async send(messages: JsonRpcMessage[], context: SendContext = {}): Promise<UpstreamReply> {
    const local: UpstreamMessage[] = [];
    const forward: JsonRpcMessage[] = [];
    for (const message of messages) {
      const request = isResponse(message) ? _take(this.#serverRequests, message) : undefined;
      const outcome = await this.#chain.run(this.#envelope("client-to-server", message, "post", context, request));
      await this.#injectAll(outcome.inject, context, (item) => local.push(item));
      if (outcome.type === "forward") {
        forward.push(outcome.message);
        if (isRequest(outcome.message)) _remember(this.#clientRequests, outcome.message);
      } else if (outcome.type === "answer") {
        local.push({ message: outcome.reply });
      }
    }
    const answered = local.some((item) => isResponse(item.message));
    if (forward.length === 0) return answered ? _localReply(local) : this.#accepted(local);
    const reply = await this.#inner.send(forward, context);
    if (reply.type === "accepted") return answered ? _localReply(local) : this.#accepted(local);
    if (reply.type === "http") {
      if (!answered) return this.#accepted(local, reply);
      // Part of a batch was answered here: the rest gets the upstream's HTTP failure as JSON-RPC errors.
      await reply.response.body?.cancel().catch(() => {});
      for (const m of forward) {
        if (isRequest(m)) {
          local.push({
            message: errorResponse(
              m.id,
              ErrorCode.UpstreamError,
              `The upstream answered HTTP ${reply.response.status}`,
            ),
          });
        }
      }
      return _localReply(local);
    }
    const inline = reply.delivery === "streamed" || local.length > 0;
    const messages_ = reply.messages.pipeThrough(this.#transform("post", context, inline));
    if (local.length === 0) return { type: "messages", delivery: reply.delivery, messages: messages_ };
    return { type: "messages", delivery: "streamed", messages: _prepend(local, messages_) };
  }

  async listen(
    context: SendContext = {},
  ): Promise<ReadableStream<UpstreamMessage> | null | { type: "http"; response: Response }> {
    const result = await this.#inner.listen(context);
    if (result === null || !(result instanceof ReadableStream)) return result;
    const source = result.pipeThrough(this.#transform("get", context, true)).getReader();
    const generation = ++this.#generation;
    const out = this.#standalone.listen((reason) => source.cancel(reason).catch(() => {}));
    void (async () => {
      try {
        while (true) {
          const { done, value } = await source.read();
          if (done || generation !== this.#generation) break;
          this.#standalone.push(value);
        }
        if (generation === this.#generation) this.#standalone.detach();
      } catch (error) {
        if (generation === this.#generation) this.#standalone.detach(error);
      }
    })();
    return out;
  }

  /** Intercepts server → client messages one by one; `inline` lets injections join this stream. */
  #transform(
    stream: "post" | "get",
    context: SendContext,
    inline: boolean,
  ): TransformStream<UpstreamMessage, UpstreamMessage> {
    return new TransformStream<UpstreamMessage, UpstreamMessage>({
      transform: async (item, controller) => {
        const message = item.message;
        try {
          const request = isResponse(message) ? _take(this.#clientRequests, message) : undefined;
          const envelope = this.#envelope("server-to-client", message, stream, context, request, item.eventId);
          const outcome = await this.#chain.run(envelope);
          await this.#injectAll(outcome.inject, context, (m) => inline ? controller.enqueue(m) : this.#pushListen(m));
          if (outcome.type === "forward") {
            if (isRequest(outcome.message)) _remember(this.#serverRequests, outcome.message);
            controller.enqueue(
              item.eventId === undefined
                ? { message: outcome.message }
                : { message: outcome.message, eventId: item.eventId },
            );
          } else if (outcome.type === "answer") {
            // A server request answered here (e.g. sampling blocked): the answer goes back upstream.
            void this.#sendOwn(outcome.reply, context);
          }
        } catch (error) {
          // The chain never throws; this is a bug in the decorator. Keep the stream alive (without the upstream's
          // text: a rule may have changed the message before the failure).
          this.#options.onError?.(error);
          controller.enqueue(item.eventId === undefined ? { message } : { message, eventId: item.eventId });
        }
      },
    });
  }

  #envelope(
    direction: Direction,
    message: JsonRpcMessage,
    stream: "post" | "get",
    context: SendContext,
    request: JsonRpcRequest | undefined,
    upstreamEventId?: string,
  ): Intercepted {
    const envelope: Intercepted = createEnvelope(direction, message, {
      stream,
      sessionId: context.sessionId,
      revision: context.revision as Revision | undefined,
      upstreamEventId,
    });
    if (request) envelope.request = request;
    if (context.caller !== undefined) envelope.caller = context.caller;
    return envelope;
  }

  async #injectAll(
    inject: Injection[],
    context: SendContext,
    toClient: (item: UpstreamMessage) => void,
  ): Promise<void> {
    for (const injection of inject) {
      if (injection.direction === "server-to-client") toClient({ message: injection.message });
      else await this.#sendOwn(injection.message, context);
    }
  }

  /** Sends a message of mcpwire's own upstream; responses to it are swallowed, other messages go to the client. */
  async #sendOwn(message: JsonRpcMessage, context: SendContext): Promise<void> {
    try {
      const reply = await this.#inner.send([message], context);
      if (reply.type === "http") await reply.response.body?.cancel().catch(() => {});
      if (reply.type !== "messages") return;
      void (async () => {
        try {
          for await (const item of reply.messages) {
            if (!isResponse(item.message)) this.#pushListen(item);
          }
        } catch (error) {
          this.#options.onError?.(error);
        }
      })();
    } catch (error) {
      this.#options.onError?.(error);
    }
  }

  #pushListen(item: UpstreamMessage): void {
    this.#standalone.push(item);
  }

  /** A reply that carries no answer: notifications produced locally go to the standalone stream. */
  #accepted(local: UpstreamMessage[], reply: UpstreamReply = { type: "accepted" }): UpstreamReply {
    for (const item of local) this.#pushListen(item);
    return reply;
  }
}

function _localReply(local: UpstreamMessage[]): UpstreamReply {
  return { type: "messages", delivery: local.length === 1 ? "complete" : "streamed", messages: streamOf(local) };
}

function _remember(map: Map<JsonRpcId, JsonRpcRequest>, request: JsonRpcRequest): void {
  map.set(request.id, request);
  if (map.size > _MAX_TRACKED) map.delete(map.keys().next().value!);
}

function _take(map: Map<JsonRpcId, JsonRpcRequest>, message: JsonRpcMessage): JsonRpcRequest | undefined {
  const id = (message as { id?: JsonRpcId | null }).id;
  if (id === undefined || id === null) return undefined;
  const request = map.get(id);
  if (request) map.delete(id);
  return request;
}
