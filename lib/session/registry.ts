/**
 * Live downstream sessions: the record, the upstream connection, and the open channels; plus session id
 * minting and idle expiry.
 *
 * @module
 */
import type { UpstreamConnection } from "../upstream/types.ts";
import type { SessionRecord, SessionStore } from "../stores/session_store.ts";
import type { EventStore } from "../stores/event_store.ts";
import { type RevisionRules, rulesFor } from "../protocol/revisions.ts";
import type { Channel } from "./channel.ts";

/**
 * Mints a session id: 192 random bits from `crypto.getRandomValues`, base64url (32 visible-ASCII
 * characters, T-SESS-02, T-SESS-03).
 */
export function mintSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** One live session, held in memory by this instance of the endpoint. */
export class LiveSession {
  readonly record: SessionRecord;
  readonly upstream: UpstreamConnection;
  /** Channels that have not ended, by stream id (for resumption). */
  readonly channels = new Map<string, Channel>();
  /** The standalone GET stream, once a client opened it. */
  standalone: Channel | undefined;
  /** The standalone stream is being opened upstream (one at a time). */
  opening: Promise<unknown> | undefined;
  closed = false;

  constructor(record: SessionRecord, upstream: UpstreamConnection) {
    this.record = record;
    this.upstream = upstream;
  }

  /** The transport rules of the negotiated revision. */
  get rules(): RevisionRules {
    return rulesFor(this.record.revision);
  }
}

/** Options of {@linkcode SessionRegistry}. */
export interface SessionRegistryOptions {
  store: SessionStore;
  events: EventStore;
  /** Idle time after which a session expires and its id gets 404, in ms. 0 disables. */
  idleTimeoutMs: number;
  /** Called after a session ended (DELETE, expiry, shutdown, upstream gone). */
  onClosed?: (session: LiveSession, reason: "deleted" | "expired" | "shutdown" | "upstream-ended") => void;
}

/** The sessions of one endpoint: lookup, creation, ending, idle expiry. */
export class SessionRegistry {
  #options: SessionRegistryOptions;
  #live = new Map<string, LiveSession>();
  #sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(options: SessionRegistryOptions) {
    this.#options = options;
  }

  /** Number of live sessions. */
  get size(): number {
    return this.#live.size;
  }

  /** All live sessions. */
  values(): IterableIterator<LiveSession> {
    return this.#live.values();
  }

  /** Registers a new session. */
  async add(session: LiveSession): Promise<void> {
    await this.#options.store.set(session.record);
    this.#live.set(session.record.id, session);
    void session.upstream.ended.then(() => {
      if (!session.closed) void this.close(session, "upstream-ended");
    });
    this.#startSweeper();
  }

  /** Stores the session record again (after its revision was negotiated). */
  async save(session: LiveSession): Promise<void> {
    if (!session.closed) await this.#options.store.set(session.record);
  }

  /** The live session with this id, touched; `undefined` when unknown, expired or ended (→ 404). */
  async get(id: string): Promise<LiveSession | undefined> {
    const session = this.#live.get(id);
    if (!session || session.closed) return undefined;
    const now = Date.now();
    const idle = this.#options.idleTimeoutMs;
    if (idle > 0 && now - session.record.lastSeenAt > idle) {
      await this.close(session, "expired");
      return undefined;
    }
    session.record.lastSeenAt = now;
    await this.#options.store.touch(id, now);
    return session;
  }

  /** Ends a session: channels end, the upstream session is closed, stored events are dropped. */
  async close(session: LiveSession, reason: "deleted" | "expired" | "shutdown" | "upstream-ended"): Promise<void> {
    if (session.closed) return;
    session.closed = true;
    this.#live.delete(session.record.id);
    for (const channel of session.channels.values()) await channel.end();
    await session.standalone?.end();
    await this.#options.store.delete(session.record.id);
    await this.#options.events.deleteSession(session.record.id);
    await session.upstream.close().catch(() => {});
    this.#options.onClosed?.(session, reason);
    if (this.#live.size === 0) this.#stopSweeper();
  }

  /** Ends every session (shutdown). */
  async closeAll(): Promise<void> {
    this.#stopSweeper();
    await Promise.all([...this.#live.values()].map((s) => this.close(s, "shutdown")));
  }

  #startSweeper(): void {
    const idle = this.#options.idleTimeoutMs;
    if (this.#sweeper !== undefined || idle <= 0) return;
    this.#sweeper = setInterval(() => void this.#sweep(), Math.max(50, Math.min(idle / 4, 60_000)));
  }

  #stopSweeper(): void {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  async #sweep(): Promise<void> {
    const cutoff = Date.now() - this.#options.idleTimeoutMs;
    for (const session of [...this.#live.values()]) {
      // An attached SSE connection is activity too: a client listening on its GET stream is not idle.
      if ([...session.channels.values()].some((c) => c.attached)) session.record.lastSeenAt = Date.now();
      else if (session.record.lastSeenAt < cutoff) await this.close(session, "expired");
    }
  }
}
