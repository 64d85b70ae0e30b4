/**
 * The message-level session core that every client face (Streamable HTTP, legacy HTTP+SSE) frames: sending
 * client messages upstream, delivering the upstream's messages to a face's sink with one response per request
 * guaranteed, and the standalone stream (a session is opened with `openSession`, open.ts). It knows JSON-RPC,
 * sessions and the `Upstream` port, and nothing of HTTP framing: the faces decide status codes, SSE or JSON,
 * channels and resumption. Observers (`onMessage`) see every message here, so the recorder, metrics and
 * traffic logs are the same for every face.
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import { ErrorCode, errorResponse, isRequest } from "../jsonrpc/types.ts";
import { createEnvelope, type Envelope } from "../protocol/envelope.ts";
import type { Revision } from "../protocol/revisions.ts";
import { streamOf, type Upstream, type UpstreamMessage, type UpstreamReply } from "../upstream/types.ts";
import { UpstreamUnavailableError } from "../upstream/types.ts";
import { badGateway, errorForHttpFailure } from "../kit/http_failure.ts";
import { PendingResponses } from "../kit/pending.ts";
import { batchReader, forEachItem } from "../kit/streams.ts";
import { LiveSession } from "./live_session.ts";
import type { SessionRegistry } from "./registry.ts";

/**
 * Observes one message of a session going one way on one stream, with the upstream's event id and the
 * downstream event id it got, when there are such.
 */
export type MessageObserver = (message: JsonRpcMessage, upstreamEventId?: string, eventId?: string) => void;

/**
 * Where a face puts a server message: it frames and sends it, and returns the downstream event id it gave
 * the message (an SSE face), or nothing. A promise holds back the next message (backpressure). `data` is the
 * message's JSON text as the upstream sent it, when the connector kept it (`UpstreamMessage.data`): a face
 * sends it as it is instead of serialising the message again.
 */
export type MessageSink = (
  message: JsonRpcMessage,
  data?: string,
) => Promise<string | undefined | void> | string | undefined | void;

/** A stateless (2026-07-28) request's scope: no session, only the revision its `_meta` named. */
export interface StatelessScope {
  /** The request's protocol revision. */
  readonly revision: Revision;
}

/** Whose messages a delivery carries: a live session's, or one stateless request's. */
export type DeliveryScope = LiveSession | StatelessScope;

/** Options of {@linkcode SessionCore}. */
export interface SessionCoreOptions {
  /** Where messages go. */
  upstream: Upstream;
  /** The sessions. */
  registry: SessionRegistry;
  /** Observes every message, both ways. */
  onMessage?: ((envelope: Envelope) => void) | undefined;
  /** Receives errors worth logging (upstream failures). */
  report: (error: unknown) => void;
}

/** The message that explains a response that never came. */
const NO_RESPONSE = "The upstream ended the stream without a response";

/**
 * The session core: one per endpoint, shared by its faces.
 *
 * @example
 * ```ts ignore
 * const core = new SessionCore({ upstream, registry, report: console.error });
 * const opened = await openSession(core, initialize, new Headers()); // open.ts
 * if (opened.type === "opened") {
 *   await core.deliver(opened.session, [opened.reply], [initialize], "post", (m) => console.log(m));
 *   await opened.settle();
 * }
 * ```
 */
export class SessionCore {
  readonly #options: SessionCoreOptions;

  constructor(options: SessionCoreOptions) {
    this.#options = options;
  }

  /** The session registry. */
  get registry(): SessionRegistry {
    return this.#options.registry;
  }

  /** The upstream stack messages go to (stateless exchanges open one connection per request). */
  get upstream(): Upstream {
    return this.#options.upstream;
  }

  /** Reports an error worth logging to the endpoint's `onError`. */
  report(error: unknown): void {
    this.#options.report(error);
  }

  /**
   * An observer of the messages of `scope` (a session, or a stateless request: envelopes without a session
   * id, with the request's revision) going `direction` on `stream`; `undefined` when nobody listens.
   */
  observer(
    scope: DeliveryScope | undefined,
    direction: Envelope["direction"],
    stream: "post" | "get",
  ): MessageObserver | undefined {
    const onMessage = this.#options.onMessage;
    if (!onMessage) return undefined;
    const session = scope instanceof LiveSession ? scope : undefined;
    const revision = scope instanceof LiveSession ? scope.record.revision : scope?.revision;
    return (message, upstreamEventId, eventId) =>
      onMessage(createEnvelope(direction, message, {
        stream,
        sessionId: session?.record.id,
        revision,
        upstreamEventId,
        eventId,
      }));
  }

  /**
   * Sends client messages of `session` upstream. A batch (2025-03-26) goes member by member, and a member's
   * HTTP failure becomes that request's own JSON-RPC error; an unreachable upstream becomes an error per
   * request (or a 502 answer when there are only notifications and responses).
   *
   * @returns One reply per message group sent (one for a single POST, one per member for a batch).
   */
  async send(
    session: LiveSession,
    messages: JsonRpcMessage[],
    headers: Headers,
    batch: boolean,
  ): Promise<UpstreamReply[]> {
    const c2s = this.observer(session, "client-to-server", "post");
    for (const m of messages) c2s?.(m);
    const replies: UpstreamReply[] = [];
    for (const group of batch ? messages.map((m) => [m]) : [messages]) {
      const reply = await this.#sendGroup(session, group, headers);
      const member = group[0]!;
      if (batch && reply.type === "http" && isRequest(member)) {
        const error = await errorForHttpFailure(member.id, reply.response);
        replies.push({ type: "messages", delivery: "complete", messages: streamOf([{ message: error }]) });
      } else {
        replies.push(reply);
      }
    }
    return replies;
  }

  async #sendGroup(session: LiveSession, messages: JsonRpcMessage[], headers: Headers): Promise<UpstreamReply> {
    try {
      return await session.upstream.send(messages, {
        headers,
        sessionId: session.record.id,
        revision: session.record.revision,
        caller: session.record.caller ?? "anonymous",
      });
    } catch (error) {
      this.#options.report(error);
      const message = error instanceof UpstreamUnavailableError ? error.message : "The upstream failed";
      const requests = messages.filter(isRequest);
      if (requests.length === 0) return { type: "http", response: badGateway(message) };
      return {
        type: "messages",
        delivery: "complete",
        messages: streamOf(requests.map((r) => ({ message: errorResponse(r.id, ErrorCode.UpstreamError, message) }))),
      };
    }
  }

  /**
   * Delivers the messages of `replies` to `sink`, each observed with the event id the sink gave it. Every
   * request of `requests` gets exactly one response: one the upstream never sent becomes a JSON-RPC error.
   * HTTP answers among the replies (a batch's notifications) carry nothing to deliver and are discarded.
   *
   * @param concurrent Pump the replies at once (SSE: a slow request never holds up another's response) or
   *   one after the other (JSON: the answers keep the batch's order).
   * @param signal Aborted when the client cancelled (2026-07-28, T-POST-10): delivery stops quietly, and
   *   no error is made up for the responses that will never come (nobody is there to receive them).
   */
  async deliver(
    session: DeliveryScope,
    replies: UpstreamReply[],
    requests: JsonRpcRequest[],
    stream: "post" | "get",
    sink: MessageSink,
    concurrent = true,
    signal?: AbortSignal,
  ): Promise<void> {
    const s2c = this.observer(session, "server-to-client", stream);
    const pending = new PendingResponses(requests.map((r) => r.id));
    // No promise per message when the sink answers at once (a channel on the in-memory store).
    const put = (message: JsonRpcMessage, upstreamEventId?: string, data?: string): Promise<void> | void => {
      pending.settle(message);
      const id = sink(message, data);
      if (!(id instanceof Promise)) return void s2c?.(message, upstreamEventId, id ?? undefined);
      if (s2c) return id.then((id) => s2c(message, upstreamEventId, id ?? undefined));
      return id.then(_nothing);
    };
    const pump = async (reply: UpstreamReply) => {
      if (reply.type === "http") return void (await reply.response.body?.cancel().catch(() => {}));
      if (reply.type !== "messages") return;
      try {
        await forEachItem(reply.messages, (item) => put(item.message, item.eventId, item.data));
      } catch (error) {
        if (!signal?.aborted) this.#options.report(error);
      }
    };
    if (concurrent) await Promise.all(replies.map(pump));
    else for (const reply of replies) await pump(reply);
    if (signal?.aborted) return;
    for (const error of pending.fail(ErrorCode.UpstreamError, NO_RESPONSE)) await put(error);
  }

  /**
   * Delivers the upstream's standalone stream of `session` (GET, T-GET-02) to `sink`, message by message,
   * until it ends; a failure is reported, not thrown. One reader loop and nothing else: {@linkcode deliver}
   * would hold three more suspended calls, a `Promise.all` and their closures for as long as the stream is
   * open, once per open GET stream (bench/heap_streams.mjs); a standalone stream has no responses to
   * account for.
   *
   * @example
   * ```ts ignore
   * await core.forward(session, messages, (m, data) => channel.send(m, data));
   * ```
   */
  async forward(session: LiveSession, messages: ReadableStream<UpstreamMessage>, sink: MessageSink): Promise<void> {
    const s2c = this.observer(session, "server-to-client", "get");
    const reader = batchReader(messages);
    try {
      while (true) {
        const batch = await reader.next();
        if (batch === undefined) return;
        for (const item of batch) {
          let id = sink(item.message, item.data);
          if (id instanceof Promise) id = await id;
          s2c?.(item.message, item.eventId, id ?? undefined);
        }
      }
    } catch (error) {
      await reader.cancel(error).catch(() => {});
      this.#options.report(error);
    }
  }

  /**
   * Opens the upstream's standalone stream for `session` (the GET stream, or a stdio child's unsolicited
   * messages).
   *
   * @returns The stream; `null` when the upstream has none; an HTTP answer to relay when it refused.
   * @throws {Error} When the upstream failed (reported first).
   */
  async listen(
    session: LiveSession,
    headers: Headers,
  ): Promise<ReadableStream<UpstreamMessage> | null | { type: "http"; response: Response }> {
    try {
      return await session.upstream.listen({
        headers,
        sessionId: session.record.id,
        revision: session.record.revision,
      });
    } catch (error) {
      this.#options.report(error);
      throw error;
    }
  }
}

function _nothing(): void {}
