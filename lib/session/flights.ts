/**
 * In-flight request streams in the shared session store, so that another instance can take one over when
 * the instance holding it dies (issue 14). While an instance streams the answer to a POSTed request, it keeps
 * a flight record (`flight:<session>:<stream>`: the request, the stream's priming event id, the holder) and
 * beats a heartbeat record (`replica:<id>`) every second. An instance resuming that stream (T-RES-02) sees no
 * new events; when the holder's heartbeat is older than `staleMs`, it claims the flight and sends the request
 * again on its own upstream connection (`lib/session/takeover.ts`).
 *
 * These records use ids no minted session id can have (they contain `:`), so a client can never name one.
 *
 * @module
 */
import type { JsonRpcRequest } from "../jsonrpc/types.ts";
import type { SessionRecord, SessionStore } from "../stores/session_store.ts";
import type { Revision } from "../protocol/revisions.ts";
import { mintSessionId } from "./session_id.ts";

/** A flight another instance may take over. */
export interface Flight {
  /** The request whose answer the stream carries. */
  request: JsonRpcRequest;
  /** The stream's priming event id: events after it are everything the stream carried. */
  firstEventId: string;
}

/** How often an instance with flights beats its heartbeat, in ms. */
export const HEARTBEAT_MS = 1_000;

/** The in-flight streams of one instance, and the claims on other instances' orphaned ones. */
export class Flights {
  /** This instance's id (random, 192 bits). */
  readonly replicaId: string = mintSessionId();
  #store: SessionStore;
  #staleMs: number;
  #mine = new Set<string>();
  #beat: ReturnType<typeof setInterval> | undefined;

  /**
   * @param store The shared session store.
   * @param staleMs A holder whose heartbeat is older than this is taken for dead, in ms. @default 3_000
   */
  constructor(store: SessionStore, staleMs = 3 * HEARTBEAT_MS) {
    this.#store = store;
    this.#staleMs = staleMs;
  }

  /** Whether flights are kept at all: only in a store that instances share. */
  get enabled(): boolean {
    return this.#store.shared === true;
  }

  /** Records that this instance now streams the answer to `request` on `streamId`. Store errors are ignored. */
  async begin(session: SessionRecord, streamId: string, request: JsonRpcRequest, firstEventId: string) {
    const id = _flightId(session.id, streamId);
    this.#mine.add(id);
    if (this.#beat === undefined) {
      void this.#heartbeat();
      this.#beat = setInterval(() => void this.#heartbeat(), HEARTBEAT_MS);
    }
    await this.#store.set(_record(id, session.revision, request, this.replicaId, firstEventId)).catch(() => {});
  }

  /** Whether a flight record exists for `streamId` (a request stream whose answer is not complete). */
  async has(sessionId: string, streamId: string): Promise<boolean> {
    return (await this.#store.get(_flightId(sessionId, streamId)).catch(() => undefined)) !== undefined;
  }

  /** The stream's answer is complete (or the session ended): forgets the flight. */
  async end(sessionId: string, streamId: string): Promise<void> {
    const id = _flightId(sessionId, streamId);
    this.#mine.delete(id);
    if (this.#mine.size === 0 && this.#beat !== undefined) {
      clearInterval(this.#beat);
      this.#beat = undefined;
    }
    await this.#store.delete(id).catch(() => {});
  }

  /**
   * Claims the flight of `streamId` when its holder is dead (heartbeat older than `staleMs`, or gone).
   *
   * @returns The flight, now held by this instance; `undefined` when there is none, or its holder lives.
   */
  async claimIfOrphaned(session: SessionRecord, streamId: string): Promise<Flight | undefined> {
    if (!this.enabled) return undefined;
    const id = _flightId(session.id, streamId);
    const record = await this.#store.get(id);
    if (!record?.flight || record.flight.holder === this.replicaId) return undefined;
    const beat = await this.#store.get(`replica:${record.flight.holder}`);
    if (beat && Date.now() - beat.lastSeenAt < this.#staleMs) return undefined;
    const { firstEventId } = record.flight;
    await this.begin(session, streamId, record.initialize, firstEventId);
    // Two instances may claim at once: the last write wins, and only its writer goes on.
    await new Promise((r) => setTimeout(r, 100));
    if ((await this.#store.get(id))?.flight?.holder !== this.replicaId) {
      this.#mine.delete(id);
      return undefined;
    }
    return { request: record.initialize, firstEventId };
  }

  /** Stops the heartbeat (shutdown); the flight records stay for another instance to take over. */
  stop(): void {
    if (this.#beat !== undefined) clearInterval(this.#beat);
    this.#beat = undefined;
    this.#mine.clear();
  }

  async #heartbeat(): Promise<void> {
    const now = Date.now();
    const id = `replica:${this.replicaId}`;
    if (!(await this.#store.touch(id, now).catch(() => true))) {
      await this.#store.set({ ..._record(id, "2025-11-25", _BEAT, this.replicaId, ""), lastSeenAt: now })
        .catch(() => {});
    }
  }
}

const _BEAT: JsonRpcRequest = { jsonrpc: "2.0", id: 0, method: "ping" };

function _flightId(sessionId: string, streamId: string): string {
  return `flight:${sessionId}:${streamId}`;
}

function _record(id: string, revision: Revision, request: JsonRpcRequest, holder: string, firstEventId: string) {
  const now = Date.now();
  return { id, revision, initialize: request, createdAt: now, lastSeenAt: now, flight: { holder, firstEventId } };
}
