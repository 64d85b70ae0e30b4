/**
 * The SessionStore port: the serializable record of each downstream session, so that sessions can expire
 * and (with a shared implementation) outlive any single instance of the proxy: the registry reads a session
 * it does not hold from the store and re-initializes the upstream for it (read-through).
 *
 * @module
 */
import type { JsonRpcRequest } from "../jsonrpc/types.ts";
import type { Revision } from "../protocol/revisions.ts";

/** What is kept about one downstream session. Everything here is plain JSON. */
export interface SessionRecord {
  /** The session id minted for the client (T-SESS-02: visible ASCII). */
  id: string;
  /** The protocol revision negotiated by `initialize`. */
  revision: Revision;
  /** The client's `initialize` request, kept to re-initialize the upstream (docs/field-notes.md item 2). */
  initialize: JsonRpcRequest;
  /** Creation time, ms since the epoch. */
  createdAt: number;
  /** Last request time, ms since the epoch (idle expiry). */
  lastSeenAt: number;
  /** The id of the caller that created the session (`callerOf`); only that caller may use it. @default "anonymous" */
  caller?: string;
  /**
   * Set on the records of in-flight request streams only (`lib/session/flights.ts`, issue 14): the instance
   * that holds the stream's upstream work, and the stream's first (priming) event id. Session records never
   * carry it.
   */
  flight?: { holder: string; firstEventId: string };
}

/** Stores session records. Implementations must be safe to call concurrently. */
export interface SessionStore {
  /**
   * `true` when several instances share this store (Redis): then it also keeps tombstones of ended sessions
   * and in-flight stream records for takeover (`lib/session/flights.ts`), each with the store's TTL. Absent
   * or `false` for a store of one instance (memory), which keeps nothing beyond live sessions.
   */
  readonly shared?: boolean;
  /** The record of session `id`, or `undefined` when unknown (never issued, deleted or expired). */
  get(id: string): Promise<SessionRecord | undefined>;
  /** Stores (a copy of) a record, replacing any record with the same id. */
  set(record: SessionRecord): Promise<void>;
  /** Updates `lastSeenAt`; `false` (and nothing done) for an unknown id: deleted or expired elsewhere. */
  touch(id: string, now: number): Promise<boolean>;
  /** Forgets session `id`; does nothing for an unknown id. */
  delete(id: string): Promise<void>;
  /** Removes and returns the ids of sessions idle since before `cutoff` (ms since the epoch). */
  expire(cutoff: number): Promise<string[]>;
  /** Number of sessions kept. */
  size(): Promise<number>;
}

/**
 * The in-memory SessionStore.
 *
 * @example
 * ```ts
 * import { InMemorySessionStore } from "./session_store.ts";
 * const store = new InMemorySessionStore();
 * await store.set({ id: "a", revision: "2025-06-18", initialize: { jsonrpc: "2.0", id: 1, method: "initialize" }, createdAt: 0, lastSeenAt: 0 });
 * console.assert((await store.expire(1)).includes("a"));
 * ```
 */
export class InMemorySessionStore implements SessionStore {
  #records = new Map<string, SessionRecord>();

  get(id: string): Promise<SessionRecord | undefined> {
    return Promise.resolve(this.#records.get(id));
  }
  set(record: SessionRecord): Promise<void> {
    this.#records.set(record.id, { ...record });
    return Promise.resolve();
  }
  touch(id: string, now: number): Promise<boolean> {
    const record = this.#records.get(id);
    if (record) record.lastSeenAt = now;
    return Promise.resolve(record !== undefined);
  }
  delete(id: string): Promise<void> {
    this.#records.delete(id);
    return Promise.resolve();
  }
  expire(cutoff: number): Promise<string[]> {
    const expired: string[] = [];
    for (const [id, record] of this.#records) {
      if (record.lastSeenAt < cutoff) {
        expired.push(id);
        this.#records.delete(id);
      }
    }
    return Promise.resolve(expired);
  }
  size(): Promise<number> {
    return Promise.resolve(this.#records.size);
  }
}
