/**
 * Reading a response stream the way a client does: when the server ends the connection before the awaited
 * message but after an id-bearing event, wait the `retry` the server asked for and reconnect with GET +
 * `Last-Event-ID` (2025-11-25 polling, SEP-1699; resumption in earlier revisions). Every wait is bounded.
 *
 * @module
 */
import type { Message, ReadResult, Reply } from "./reply.ts";
import type { RequestOptions } from "./environment.ts";

/** What {@link Followed} needs from a session: a GET with extra headers. */
export interface Reconnectable {
  get(options?: RequestOptions): Promise<Reply>;
}

/** The last event id a reply carried (SSE `lastEventId` semantics), if any. */
export function lastEventIdOf(reply: Reply): string | undefined {
  for (let i = reply.items.length - 1; i >= 0; i--) {
    const item = reply.items[i]!;
    if (item.type === "event" && item.lastEventId !== undefined && item.lastEventId !== "") return item.lastEventId;
  }
  return undefined;
}

/** The last `retry` value (ms) a reply carried, if any. */
export function retryOf(reply: Reply): number | undefined {
  for (let i = reply.items.length - 1; i >= 0; i--) {
    const item = reply.items[i]!;
    if (item.type === "retry") return item.retry;
  }
  return undefined;
}

/**
 * Reconnects with GET + `Last-Event-ID`: waits `retryMs` first (capped at a quarter of `timeoutMs`, at least
 * 50 ms), and tries again with a doubled wait while the server answers 409 because it has not noticed the
 * old connection close. Returns the last reply, whatever its status.
 */
export async function reconnect(
  session: Reconnectable,
  lastEventId: string,
  options: { retryMs?: number; timeoutMs: number },
): Promise<Reply> {
  let wait = Math.max(50, Math.min(options.retryMs ?? 50, Math.round(options.timeoutMs / 4)));
  const deadline = Date.now() + options.timeoutMs;
  while (true) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    const reply = await session.get({ headers: { "last-event-id": lastEventId } });
    if (reply.status !== 409 || Date.now() + wait * 2 > deadline) return reply;
    await reply.text();
    wait *= 2;
  }
}

const MAX_RECONNECTS = 5;

/**
 * A response stream followed across reconnections. `replies` holds the original reply and every resumed
 * one; `messages` everything read so far.
 *
 * @example
 * ```ts
 * const f = new Followed(session, reply, 5000);
 * const read = await f.readResponse("req-1");
 * ```
 */
export class Followed {
  /** The original reply, then each resumed one. */
  readonly replies: Reply[];
  /** Every message read through this follower. */
  readonly messages: Message[] = [];
  /** How many times the stream was resumed. */
  reconnects = 0;
  #session: Reconnectable;
  #timeoutMs: number;
  #resume: boolean;

  /** Follows `reply` of `session`; `resume: false` reads the one connection only. */
  constructor(session: Reconnectable, reply: Reply, timeoutMs: number, resume = true) {
    this.#session = session;
    this.replies = [reply];
    this.#timeoutMs = timeoutMs;
    this.#resume = resume;
  }

  /** The connection being read. */
  get current(): Reply {
    return this.replies[this.replies.length - 1]!;
  }

  /** Reads until `predicate` accepts a message, resuming when the connection ends early. */
  async readUntil(predicate: (m: Message) => boolean, timeoutMs = this.#timeoutMs): Promise<ReadResult> {
    const out: ReadResult = { items: [], messages: [], ended: false, timedOut: false };
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const read = await this.current.readUntil(predicate, Math.max(0, deadline - Date.now()));
      out.items.push(...read.items);
      out.messages.push(...read.messages);
      this.messages.push(...read.messages);
      if (read.matched) {
        out.matched = read.matched;
        return out;
      }
      if (!read.ended) {
        out.timedOut = true;
        return out;
      }
      const next = await this.#reconnect(deadline);
      if (!next) {
        out.ended = true;
        return out;
      }
    }
  }

  /** Reads until the response to `id` arrives. */
  readResponse(id: string | number, timeoutMs = this.#timeoutMs): Promise<ReadResult> {
    return this.readUntil((m) => m.id === id && !("method" in m) && ("result" in m || "error" in m), timeoutMs);
  }

  async #reconnect(deadline: number): Promise<Reply | undefined> {
    const current = this.current;
    if (!this.#resume || !current.isSse || this.reconnects >= MAX_RECONNECTS) return undefined;
    const lastEventId = lastEventIdOf(current);
    const left = deadline - Date.now();
    if (lastEventId === undefined || left <= 0) return undefined;
    const retryMs = retryOf(current);
    const reply = await reconnect(this.#session, lastEventId, {
      timeoutMs: left,
      ...(retryMs === undefined ? {} : { retryMs }),
    });
    if (reply.status !== 200 || !reply.isSse) {
      await reply.close();
      return undefined;
    }
    this.reconnects++;
    this.replies.push(reply);
    return reply;
  }
}
