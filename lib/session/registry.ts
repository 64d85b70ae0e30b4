/**
 * The sessions of one endpoint: lookup (read-through to the `SessionStore`, reviving a session another
 * instance created, T-SESS-07), registration, ending (everywhere: tombstones in a shared store), idle expiry,
 * and the id of a new session (sealed or random). One session is a {@linkcode LiveSession}
 * (`live_session.ts`).
 *
 * @module
 */
import type { UpstreamConnection } from "../upstream/types.ts";
import type { SessionRecord, SessionStore } from "../stores/session_store.ts";
import type { EventStore } from "../stores/event_store.ts";
import { LiveSession } from "./live_session.ts";
import type { SealedFields, SessionSealer } from "./sealed_ids.ts";
import { mintSessionId } from "./session_id.ts";

/**
 * The shared session store did not answer (Redis away): new sessions, and sessions this instance does not
 * hold, are refused with 503 and `Retry-After` until it returns (issue 14).
 *
 * @example
 * ```ts
 * import { StoreUnavailableError } from "./registry.ts";
 * console.assert(new StoreUnavailableError("down").name === "StoreUnavailableError");
 * ```
 */
export class StoreUnavailableError extends Error {
  /** Always `"StoreUnavailableError"`. */
  override name = "StoreUnavailableError";
}

/** Options of {@linkcode SessionRegistry}. */
export interface SessionRegistryOptions {
  /** The session records; shared between instances, it lets any instance serve any session. */
  store: SessionStore;
  /** The events of every stream (dropped when a session ends). */
  events: EventStore;
  /**
   * Opens an initialized upstream connection for a session this instance does not hold but found in the
   * store (another instance created it): replays the recorded `initialize` (T-SESS-07). `headers` are the
   * end-to-end headers of the request that named the session. Without it, such a session is unknown (404).
   *
   * @throws {Error} When the upstream cannot be initialized; the request then fails with that error.
   */
  revive?: (record: SessionRecord, headers: Headers | undefined) => Promise<UpstreamConnection>;
  /**
   * Seals each new session's record into its id (issue 14, item 3): an instance that neither holds the session
   * nor finds it in the store unseals the id and revives the session from it through `revive`. A tampered or
   * foreign id unseals to nothing (404, T-SESS-06). Without it, ids are random (`mintSessionId`).
   */
  sealer?: SessionSealer;
  /** Idle time after which a session expires and its id gets 404, in ms. 0 disables. */
  idleTimeoutMs: number;
  /** Called after a session ended (DELETE, expiry, shutdown, upstream gone). */
  onClosed?: (session: LiveSession, reason: "deleted" | "expired" | "shutdown" | "upstream-ended") => void;
}

/** The sessions of one endpoint: lookup, creation, ending, idle expiry. */
export class SessionRegistry {
  #options: SessionRegistryOptions;
  #live = new Map<string, LiveSession>();
  /** Live sessions held here, by the id of the caller that created them (for `--max-sessions-per-caller`). */
  #byCaller = new Map<string, number>();
  /** Sessions being revived from the store, so that concurrent requests revive each one once. */
  #reviving = new Map<string, Promise<LiveSession | undefined>>();
  #sweeper: ReturnType<typeof setInterval> | undefined;
  /** Sealed ids of sessions ended here, with the time (ms): they must not be unsealed and revived again. */
  #ended = new Map<string, number>();

  constructor(options: SessionRegistryOptions) {
    this.#options = options;
  }

  /** Number of live sessions. */
  get size(): number {
    return this.#live.size;
  }

  /** Live sessions held here that `caller` (a `callerOf(request).id`) created. */
  sessionsOf(caller: string): number {
    return this.#byCaller.get(caller) ?? 0;
  }

  /** All live sessions. */
  values(): IterableIterator<LiveSession> {
    return this.#live.values();
  }

  /**
   * The id for a new session: `fields` sealed into it when the registry has a sealer, else a random id.
   *
   * @example
   * ```ts ignore
   * const id = await registry.mintId({ revision, initialize, createdAt: Date.now(), caller });
   * ```
   */
  async mintId(fields: SealedFields): Promise<string> {
    return this.#options.sealer ? await this.#options.sealer.seal(fields) : mintSessionId();
  }

  /** The record in the store, or else the one sealed into `id` (with a sealer). */
  async #lookup(id: string): Promise<SessionRecord | undefined> {
    const record = await this.#options.store.get(id).catch((error) => {
      throw new StoreUnavailableError("The session store is unavailable", { cause: error });
    });
    const sealer = this.#options.sealer;
    if (record || !sealer || this.#ended.has(id)) return record;
    if (this.#options.store.shared && await this.#options.store.get(`ended:${id}`).catch(() => undefined)) {
      return undefined;
    }
    return await sealer.unseal(id);
  }

  /** Registers a new session. */
  async add(session: LiveSession): Promise<void> {
    try {
      await this.#options.store.set(session.record);
    } catch (error) {
      throw new StoreUnavailableError("The session store is unavailable", { cause: error });
    }
    this.#track(session);
  }

  #track(session: LiveSession): void {
    this.#live.set(session.record.id, session);
    const caller = session.record.caller ?? "anonymous";
    this.#byCaller.set(caller, this.sessionsOf(caller) + 1);
    void session.upstream.ended.then(() => {
      if (!session.closed) void this.close(session, "upstream-ended");
    });
    this.#startSweeper();
  }

  /** Stores the session record again (after its revision was negotiated). */
  async save(session: LiveSession): Promise<void> {
    if (!session.closed) await this.#options.store.set(session.record);
  }

  /**
   * The session with this id, touched: held here, or revived from the store when another instance created
   * it (read-through). `undefined` when unknown, expired or ended (→ 404, T-SESS-06); a session another
   * instance deleted is closed here too.
   *
   * @param id The session id the client sent.
   * @param headers End-to-end headers of the request, for the upstream initialize of a revived session.
   * @throws {Error} When a session found in the store cannot be re-initialized upstream.
   * @throws {StoreUnavailableError} When the store cannot be read for a session not held here.
   */
  async get(id: string, headers?: Headers): Promise<LiveSession | undefined> {
    // Minted ids are base64url: an id with ":" names one of the store's own records (flights.ts), never a session.
    if (id.includes(":")) return undefined;
    const session = this.#live.get(id) ?? await this.#revive(id, headers);
    if (!session || session.closed) return undefined;
    const now = Date.now();
    const idle = this.#options.idleTimeoutMs;
    if (idle > 0 && now - session.record.lastSeenAt > idle) {
      await this.close(session, "expired");
      return undefined;
    }
    session.record.lastSeenAt = now;
    if (!(await this.#stillKnown(session))) {
      await this.close(session, "deleted");
      return undefined;
    }
    return session;
  }

  /**
   * The id of the caller that created session `id` (`anonymous` for records without one), read from the
   * live session or, for a session another instance created, from the store; `undefined` when unknown.
   * Nothing is touched or revived, so a foreign caller can be refused before the session is used.
   */
  async ownerOf(id: string): Promise<string | undefined> {
    const record = this.#live.get(id)?.record ?? await this.#lookup(id);
    return record ? record.caller ?? "anonymous" : undefined;
  }

  /**
   * Touches a held session in the store. `false` when another instance ended it (DELETE or expiry leave a
   * tombstone `ended:<id>`: the store is the authority). A store that is away, or that lost the record (Redis
   * restarted without persistence), does not end it (issue 14): the record is stored again.
   */
  async #stillKnown(session: LiveSession): Promise<boolean> {
    const { store } = this.#options;
    const id = session.record.id;
    try {
      if (await store.touch(id, session.record.lastSeenAt)) return true;
      if (!store.shared || await store.get(`ended:${id}`)) return false;
      await store.set(session.record);
    } catch {
      // Away: the sessions held here go on, and the store catches up once it is back.
    }
    return true;
  }

  #revive(id: string, headers: Headers | undefined): Promise<LiveSession | undefined> {
    const revive = this.#options.revive;
    if (!revive) return Promise.resolve(undefined);
    let pending = this.#reviving.get(id);
    if (!pending) {
      pending = (async () => {
        const record = await this.#lookup(id);
        if (!record) return undefined;
        const session = new LiveSession(record, await revive(record, headers));
        if (this.#live.has(id)) {
          await session.upstream.close().catch(() => {});
          return this.#live.get(id);
        }
        // A session unsealed from its id is stored here from now on (touch, expiry, tombstones).
        await this.#options.store.set(record).catch(() => {});
        this.#track(session);
        return session;
      })().finally(() => this.#reviving.delete(id));
      this.#reviving.set(id, pending);
    }
    return pending;
  }

  /** Ends a session: channels end, the upstream session is closed, stored events are dropped. */
  async close(session: LiveSession, reason: "deleted" | "expired" | "shutdown" | "upstream-ended"): Promise<void> {
    if (session.closed) return;
    session.markClosed();
    this.#live.delete(session.record.id);
    const caller = session.record.caller ?? "anonymous";
    const left = this.sessionsOf(caller) - 1;
    if (left > 0) this.#byCaller.set(caller, left);
    else this.#byCaller.delete(caller);
    const ending = { retryHint: reason === "shutdown" };
    for (const channel of session.channels.values()) await channel.end(ending);
    await session.standalone?.end(ending);
    // At shutdown the records stay: another instance continues the session (issue 14). A store that is away
    // keeps them until their TTL; the session still ends here.
    if (reason !== "shutdown") await this.#forget(session);
    await session.upstream.close().catch(() => {});
    this.#options.onClosed?.(session, reason);
    if (this.#live.size === 0) this.#stopSweeper();
  }

  /** Drops the record and events of an ended session, leaving a tombstone (see `#stillKnown`). */
  async #forget(session: LiveSession): Promise<void> {
    const { store, events } = this.#options;
    const record = session.record;
    if (this.#options.sealer) this.#ended.set(record.id, Date.now());
    if (store.shared) await store.set({ ...record, id: `ended:${record.id}`, lastSeenAt: Date.now() }).catch(() => {});
    await store.delete(record.id).catch(() => {});
    await events.deleteSession(record.id).catch(() => {});
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
    // An ended sealed id older than the idle timeout would expire anyway: forget it.
    for (const [id, at] of this.#ended) if (at < cutoff) this.#ended.delete(id);
    for (const session of [...this.#live.values()]) {
      // An attached SSE connection is activity too: a client listening on its GET stream is not idle.
      if (session.holders > 0 || [...session.channels.values()].some((c) => c.attached)) {
        session.record.lastSeenAt = Date.now();
        // Touch the store too: a shared store's TTL (Redis) must not end a session a client listens on.
        if (!(await this.#stillKnown(session))) await this.close(session, "deleted");
      } else if (session.record.lastSeenAt < cutoff) await this.close(session, "expired");
    }
  }
}
