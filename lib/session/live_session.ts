/**
 * One live downstream session, as the instance that holds it sees it: its record (also in the
 * `SessionStore`), its upstream connection, its open channels (request streams by stream id, the standalone
 * GET stream), and the signal that ends them. The registry (`registry.ts`) creates, finds and ends these.
 *
 * @module
 */
import type { UpstreamConnection } from "../upstream/types.ts";
import type { SessionRecord } from "../stores/session_store.ts";
import { type RevisionRules, rulesFor } from "../protocol/revisions.ts";
import type { Channel } from "./channel.ts";

/**
 * One live session, held in memory by this instance of the endpoint (its record is in the store too).
 *
 * @example
 * ```ts ignore
 * const session = new LiveSession({ id, revision, initialize, createdAt: now, lastSeenAt: now, caller }, connection);
 * session.ending.addEventListener("abort", () => stream.close());
 * ```
 */
export class LiveSession {
  readonly record: SessionRecord;
  readonly upstream: UpstreamConnection;
  /** Channels that have not ended, by stream id (for resumption). */
  readonly channels = new Map<string, Channel>();
  /** The standalone GET stream, once a client opened it. */
  standalone: Channel | undefined;
  /** The standalone stream is being opened upstream (one at a time). */
  opening: Promise<unknown> | undefined;
  /** Open connections of a face that holds the session without a channel (a legacy SSE stream): activity. */
  holders = 0;
  closed = false;
  /** Made when first asked for (a legacy SSE stream or a tail asks; most sessions never do). */
  #ending: AbortController | undefined;

  constructor(record: SessionRecord, upstream: UpstreamConnection) {
    this.record = record;
    this.upstream = upstream;
  }

  /** Aborts when the session ends (DELETE, expiry, shutdown, upstream gone): a face ends its streams then. */
  get ending(): AbortSignal {
    this.#ending ??= new AbortController();
    if (this.closed) this.#ending.abort();
    return this.#ending.signal;
  }

  /** Marks the session ended (the registry calls it once). */
  markClosed(): void {
    this.closed = true;
    this.#ending?.abort();
  }

  /** The transport rules of the negotiated revision. */
  get rules(): RevisionRules {
    return rulesFor(this.record.revision);
  }
}
