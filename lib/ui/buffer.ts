/**
 * The traffic buffer behind `--ui`: the envelopes and HTTP exchanges an endpoint's observers see, kept as
 * tape records (docs/tapes.md) with what the page shows beside them (latency of each request/response
 * pair, resumes, re-initializations, errors), and a summary per session. It is bounded: past `capacity`
 * entries the oldest go, and a session whose entries are all gone is forgotten.
 *
 * @module
 */
import type { Envelope } from "../protocol/envelope.ts";
import { isRequest, isResponse } from "../jsonrpc/types.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import { exchangeRecord, messageRecord } from "../record/recorder.ts";
import { TAPE_FORMAT, TAPE_VERSION, type TapeExchange, tapeLine, type TapeMessage } from "../record/tape.ts";
import type { RuleHit, RuleHitAction } from "../intercept/rules_types.ts";

/** How many entries the buffer keeps by default (`--ui-buffer`). */
export const DEFAULT_UI_CAPACITY = 5000;

/** A mark on the timeline. */
export type UiMark = "initialize" | "re-initialize" | "resume";

/** One line of a session's timeline. */
export interface UiEntry {
  /** Increasing number, unique in the buffer. */
  seq: number;
  /** The tape record: a message (both directions) or an HTTP exchange with the client. */
  record: TapeMessage | TapeExchange;
  /** For a response: ms since its request was seen. */
  latencyMs?: number;
  /** `initialize`, `re-initialize` (a client that had a session before), `resume` (`Last-Event-ID`). */
  mark?: UiMark;
  /** A JSON-RPC error's message, or the HTTP status text of a 4xx/5xx exchange. */
  error?: string;
  /** The rules (`--rules`) that rewrote, blocked, answered, dropped, delayed or injected at this message. */
  rules?: UiRuleHit[];
}

/** A rule hit as the timeline shows it. */
export interface UiRuleHit {
  /** The rule's name (`rules[<index>]` when it has none). */
  rule: string;
  /** What it did (`edit`, `inject`, `delay`, `block`, `respond`, `drop`). */
  actions: RuleHitAction[];
}

/** What the sessions list shows of one session. */
export interface UiSession {
  /** The downstream session id (`""` for messages without a session: stateless requests, stdio). */
  id: string;
  /** `name version` from `initialize`'s `clientInfo`, when seen. */
  client?: string;
  /** The upstream URL or command. */
  upstream: string;
  /** The protocol revision. */
  revision?: string;
  /** `open`, or `closed` after a successful DELETE. */
  state: "open" | "closed";
  /** First and last time seen, ms since the epoch. */
  firstAt: number;
  lastAt: number;
  /** Messages from the client, and to it. */
  fromClient: number;
  toClient: number;
  /** Error responses and failed exchanges. */
  errors: number;
}

/**
 * What the buffer tells its subscribers (the page's SSE stream): a new entry, or an entry seen before with
 * more to show (a rule hit, same `seq`: the page replaces it).
 */
export type UiEvent = { type: "entry"; entry: UiEntry; session: UiSession };

/** How far back a client message's rule hit looks for its entry. */
const _HIT_LOOKBACK = 256;

/** Options of {@linkcode TrafficBuffer}. */
export interface TrafficBufferOptions {
  /** The upstream URL or command (sessions list, tape header). */
  upstream: string;
  /** Most entries kept; the oldest are evicted. @default DEFAULT_UI_CAPACITY */
  capacity?: number;
}

/**
 * The bounded buffer. Feed it from the endpoint's `onMessage` and from {@linkcode TrafficBuffer.wrap}.
 *
 * @example
 * ```ts
 * import { TrafficBuffer } from "./buffer.ts";
 * const ui = new TrafficBuffer({ upstream: "http://127.0.0.1:3001/mcp", capacity: 2 });
 * for (const id of [1, 2, 3]) {
 *   ui.onMessage({ direction: "client-to-server", receivedAt: id, sessionId: "s", message: { jsonrpc: "2.0", id, method: "ping" } });
 * }
 * console.assert(ui.entries().length === 2 && ui.entries()[0]!.seq === 2);
 * ```
 */
export class TrafficBuffer {
  /** The upstream URL or command (set it once the proxy knows its description). */
  upstream: string;
  readonly capacity: number;
  #entries: UiEntry[] = [];
  #head = 0;
  #seq = 0;
  #sessions = new Map<string, UiSession>();
  #pending = new Map<string, number>();
  #clients = new Set<string>();
  #counts = new Map<string, number>();
  #listeners = new Set<(event: UiEvent) => void>();
  /** Rule hits on server messages, waiting for their entry (rules run before the message is delivered). */
  #hits = new Map<string, UiRuleHit[]>();

  constructor(options: TrafficBufferOptions) {
    this.upstream = options.upstream;
    this.capacity = Math.max(1, options.capacity ?? DEFAULT_UI_CAPACITY);
  }

  /** Observes one message (give it as the endpoint's `onMessage`). */
  onMessage = (envelope: Envelope): void => {
    const record = messageRecord(envelope);
    const entry: UiEntry = { seq: 0, record };
    const key = `${record.session ?? ""}\u0000`;
    const m = record.message;
    if (isRequest(m) && record.direction === "client-to-server") {
      this.#pending.set(key + JSON.stringify(m.id), record.at);
      if (this.#pending.size > this.capacity) this.#pending.delete(this.#pending.keys().next().value!);
      if (m.method === "initialize") entry.mark = this.#initializeMark(m);
    } else if (isResponse(m) && record.direction === "server-to-client") {
      const pairKey = key + JSON.stringify(m.id);
      const sent = this.#pending.get(pairKey);
      if (sent !== undefined) entry.latencyMs = record.at - sent;
      this.#pending.delete(pairKey);
      if ("error" in m) entry.error = m.error.message;
    }
    if (record.direction === "server-to-client" && this.#hits.size > 0) {
      const hitKey = _hitKey(record.session, m);
      const hits = this.#hits.get(hitKey);
      if (hits) entry.rules = hits;
      this.#hits.delete(hitKey);
    }
    this.#add(entry);
  };

  /**
   * Observes one rule hit (give it as the rules engine's `onHit`). A client message's hit goes on its
   * entry, already on the timeline (the endpoint sees a client message before the rules do), and the entry
   * is sent again; a server message's hit waits for its entry (the rules see it before the client does).
   */
  onRuleHit = (hit: RuleHit): void => {
    const shown: UiRuleHit = { rule: hit.rule, actions: hit.actions };
    const key = _hitKey(hit.sessionId, hit.message);
    if (hit.direction === "server-to-client") {
      const list = this.#hits.get(key);
      if (list) list.push(shown);
      else this.#hits.set(key, [shown]);
      if (this.#hits.size > this.capacity) this.#hits.delete(this.#hits.keys().next().value!);
      return;
    }
    const stop = Math.max(this.#head, this.#entries.length - _HIT_LOOKBACK);
    for (let i = this.#entries.length - 1; i >= stop; i--) {
      const entry = this.#entries[i]!;
      const r = entry.record;
      if (r.type !== "message" || r.direction !== "client-to-server" || _hitKey(r.session, r.message) !== key) continue;
      (entry.rules ??= []).push(shown);
      const session = this.#sessions.get(r.session ?? "");
      if (session) { for (const listener of this.#listeners) listener({ type: "entry", entry, session }); }
      return;
    }
  };

  /** Wraps the proxy's Web handler so each HTTP exchange (status, `Last-Event-ID` resumes) is seen. */
  wrap(handler: (request: Request) => Promise<Response>): (request: Request) => Promise<Response> {
    return async (request) => {
      const started = Date.now();
      const response = await handler(request);
      const record = exchangeRecord(request, response, started);
      const entry: UiEntry = { seq: 0, record };
      if (record.request.headers["last-event-id"] !== undefined) entry.mark = "resume";
      if (record.status >= 400) entry.error = `HTTP ${record.status}`;
      this.#add(entry);
      return response;
    };
  }

  /** The entries kept, oldest first. */
  entries(): UiEntry[] {
    return this.#entries.slice(this.#head);
  }

  /** The sessions that still have entries, oldest first. */
  sessions(): UiSession[] {
    return [...this.#sessions.values()];
  }

  /** Calls `listener` for each new entry until the returned function is called. */
  subscribe(listener: (event: UiEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * One session as a tape (the same format as `--record`; `mcpwire tape show`/`replay` read it).
   *
   * @param sessionId The session, `""` for messages without one.
   * @returns The tape text: header line, then that session's records in order.
   */
  tape(sessionId: string): string {
    const header = tapeLine({
      type: "tape",
      format: TAPE_FORMAT,
      version: TAPE_VERSION,
      createdAt: new Date().toISOString(),
      upstream: this.upstream,
    });
    const lines = this.entries().filter((e) => (e.record.session ?? "") === sessionId).map((e) => tapeLine(e.record));
    return header + lines.join("");
  }

  #initializeMark(request: JsonRpcMessage & { params?: unknown }): UiMark {
    const info = (request.params as { clientInfo?: { name?: unknown } } | undefined)?.clientInfo;
    const name = typeof info?.name === "string" ? info.name : "";
    if (name === "") return "initialize";
    const seen = this.#clients.has(name);
    this.#clients.add(name);
    if (this.#clients.size > this.capacity) this.#clients.delete(this.#clients.values().next().value!);
    return seen ? "re-initialize" : "initialize";
  }

  #add(entry: UiEntry): void {
    entry.seq = ++this.#seq;
    this.#entries.push(entry);
    const id = entry.record.session ?? "";
    this.#counts.set(id, (this.#counts.get(id) ?? 0) + 1);
    if (this.#entries.length - this.#head > this.capacity) this.#evict();
    const session = this.#summarize(entry);
    for (const listener of this.#listeners) listener({ type: "entry", entry, session });
  }

  #evict(): void {
    const gone = this.#entries[this.#head++]!;
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    const id = gone.record.session ?? "";
    const left = (this.#counts.get(id) ?? 1) - 1;
    if (left > 0) this.#counts.set(id, left);
    else {
      this.#counts.delete(id);
      this.#sessions.delete(id);
    }
  }

  #summarize(entry: UiEntry): UiSession {
    const r = entry.record;
    const id = r.session ?? "";
    let s = this.#sessions.get(id);
    if (!s) {
      s = {
        id,
        upstream: this.upstream,
        state: "open",
        firstAt: r.at,
        lastAt: r.at,
        fromClient: 0,
        toClient: 0,
        errors: 0,
      };
      this.#sessions.set(id, s);
    }
    s.lastAt = r.at;
    if (entry.error !== undefined) s.errors++;
    if (r.type === "http") {
      if (r.method === "DELETE" && r.status < 300) s.state = "closed";
      return s;
    }
    if (r.revision !== undefined) s.revision = r.revision;
    if (r.direction === "client-to-server") s.fromClient++;
    else s.toClient++;
    const info = isRequest(r.message) && r.message.method === "initialize"
      ? (r.message.params as { clientInfo?: { name?: string; version?: string } } | undefined)?.clientInfo
      : undefined;
    if (info?.name) s.client = `${info.name} ${info.version ?? ""}`.trim();
    return s;
  }
}

/** What ties a rule hit to its entry: the session, and the message's id (or method, for a notification). */
function _hitKey(session: string | undefined, message: JsonRpcMessage): string {
  const which = "id" in message ? `#${JSON.stringify(message.id)}` : "method" in message ? message.method : "";
  return `${session ?? ""}\u0000${which}`;
}
