/**
 * Routing server messages of a single-pipe upstream (a stdio child, or the legacy HTTP+SSE GET stream) to
 * the reply they belong to: responses by request id, progress notifications by progress token, everything
 * else to the standalone stream that `listen()` hands out.
 *
 * @module
 */
import { StandaloneBuffer } from "../kit/standalone_buffer.ts";
import type { JsonRpcId, JsonRpcRequest } from "../jsonrpc/types.ts";
import { ErrorCode, errorResponse, isResponse, progressNotificationToken, progressTokenOf } from "../jsonrpc/types.ts";
import type { UpstreamMessage } from "./types.ts";

interface PendingReply {
  ids: Set<JsonRpcId>;
  tokens: Set<string | number>;
  controller: ReadableStreamDefaultController<UpstreamMessage>;
}

/**
 * Routes the messages of one upstream pipe. Not tied to any I/O: the connector calls {@linkcode reply}
 * before writing requests, {@linkcode route} for every message read, and {@linkcode fail} when the pipe died.
 *
 * @example
 * ```ts
 * import { ReplyRouter } from "./router.ts";
 * const router = new ReplyRouter(100);
 * const replies = router.reply([{ jsonrpc: "2.0", id: 1, method: "ping" }]);
 * router.route({ jsonrpc: "2.0", id: 1, result: {} });
 * for await (const m of replies) console.assert("result" in m.message);
 * ```
 */
export class ReplyRouter {
  #replies = new Set<PendingReply>();
  #standalone: StandaloneBuffer<UpstreamMessage>;
  #failed = false;

  /** @param maxBuffered Messages kept for the standalone stream before anyone listens; older ones are dropped. */
  constructor(maxBuffered = 10_000) {
    this.#standalone = new StandaloneBuffer(maxBuffered);
  }

  /** Number of replies still waiting for responses. */
  get pending(): number {
    return this.#replies.size;
  }

  /** A stream that receives the responses (and progress) of `requests`, and ends after the last response. */
  reply(requests: JsonRpcRequest[]): ReadableStream<UpstreamMessage> {
    return new ReadableStream<UpstreamMessage>({
      start: (controller) => {
        const tokens = new Set<string | number>();
        for (const r of requests) {
          const t = progressTokenOf(r);
          if (t !== undefined) tokens.add(t);
        }
        this.#replies.add({ ids: new Set(requests.map((r) => r.id)), tokens, controller });
      },
    });
  }

  /**
   * Forgets the reply that waits for `ids` (the requests could not be sent): its stream ends without
   * responses. Responses that arrive later for these ids go to the standalone stream.
   */
  abandon(ids: Iterable<JsonRpcId>): void {
    const wanted = new Set(ids);
    for (const reply of [...this.#replies]) {
      if ([...reply.ids].some((id) => wanted.has(id))) this.#finish(reply);
    }
  }

  /** Delivers one server message to its reply, or to the standalone stream. */
  route(item: UpstreamMessage): void {
    const message = item.message;
    if (isResponse(message) && "id" in message && message.id !== null && message.id !== undefined) {
      for (const reply of this.#replies) {
        if (reply.ids.has(message.id)) {
          reply.controller.enqueue(item);
          reply.ids.delete(message.id);
          if (reply.ids.size === 0) this.#finish(reply);
          return;
        }
      }
    } else {
      const token = progressNotificationToken(message);
      if (token !== undefined) {
        for (const reply of this.#replies) {
          if (reply.tokens.has(token)) {
            reply.controller.enqueue(item);
            return;
          }
        }
      }
    }
    this.#pushStandalone(item);
  }

  /**
   * The pipe died: every request still waiting gets a JSON-RPC error with `why` (never a hang, docs/field-notes.md
   * item 15), and the standalone stream ends.
   */
  fail(why: string): void {
    this.#failed = true;
    for (const reply of [...this.#replies]) {
      for (const id of reply.ids) {
        reply.controller.enqueue({ message: errorResponse(id, ErrorCode.UpstreamError, why) });
      }
      this.#finish(reply);
    }
    this.#standalone.end();
  }

  /** The standalone stream: buffered messages first, then live ones; `null` once the pipe failed and nothing is left. */
  listen(): ReadableStream<UpstreamMessage> | null {
    if (this.#failed && this.#standalone.size === 0) return null;
    return this.#standalone.listen();
  }

  #finish(reply: PendingReply): void {
    this.#replies.delete(reply);
    try {
      reply.controller.close();
    } catch {
      // Already cancelled by the reader.
    }
  }

  #pushStandalone(item: UpstreamMessage): void {
    this.#standalone.push(item);
  }
}
