/**
 * Tailing a stream another instance writes: the resumption (T-RES-02/03) of a stream this instance does not
 * hold. The events after `Last-Event-ID` are replayed from the shared event store, then the store is read
 * again every `pollMs` and new events are written as they appear, in order and each once (the cursor is the
 * last event id written), until the stream's response arrives, the session ends, or the client leaves.
 * Closing then is what the spec allows a server (T-RES-03): a client resumes again from its last event id.
 *
 * @module
 */
import type { EventStore, StoredEvent } from "../stores/event_store.ts";
import { isResponse } from "../jsonrpc/types.ts";
import { eventFrame } from "./channel.ts";
import { closeSse, type KeepAlive, openSseBody, type SseConnection, writeAndWait } from "./sse_connection.ts";

/** Options of {@linkcode tailBody}. */
export interface TailOptions {
  /** The shared event store. */
  store: EventStore;
  sessionId: string;
  /** Events already replayed (after the client's `Last-Event-ID`), oldest first. */
  replay: StoredEvent[];
  /** The client's `Last-Event-ID`: the cursor when `replay` is empty. */
  lastEventId: string;
  /** Keep-alive comments for the connection while nothing new arrives. */
  keepAlive: KeepAlive;
  /** Aborts when the session ends (DELETE anywhere, expiry, shutdown): the body ends. */
  ending: AbortSignal;
  /**
   * Called (never twice at once) each `quietMs` with nothing new: e.g. taking over a stream whose holder
   * died (`takeover.ts`). Its errors end the body.
   */
  whenQuiet?: () => Promise<void>;
  /** Nothing new for this long calls `whenQuiet`, in ms. @default 1_000 */
  quietMs?: number;
  /** How often the store is read again, in ms. @default 50 */
  pollMs?: number;
  /** The body ends after this long with nothing new, in ms (the client resumes again). @default 300_000 */
  idleMs?: number;
}

/**
 * The SSE body of a resumption that follows a stream written elsewhere: replayed events, then live ones.
 *
 * @returns The response body; it ends after a JSON-RPC response was written (a request stream is done).
 * @example
 * ```ts ignore
 * const body = tailBody({ store, sessionId, replay: result.events, lastEventId, keepAlive, ending });
 * ```
 */
export function tailBody(options: TailOptions): ReadableStream<Uint8Array> {
  const pollMs = options.pollMs ?? 50;
  const idleMs = options.idleMs ?? 300_000;
  const { body } = openSseBody(options.keepAlive, {
    start: (connection) => void _follow(connection, options, pollMs, idleMs),
  });
  return body;
}

async function _follow(connection: SseConnection, options: TailOptions, pollMs: number, idleMs: number) {
  let cursor = options.lastEventId;
  let quietSince = Date.now();
  const write = async (events: StoredEvent[]): Promise<boolean> => {
    for (const event of events) {
      await writeAndWait(connection, eventFrame(event));
      cursor = event.id;
      quietSince = Date.now();
      if (event.message !== null && isResponse(event.message)) return true;
    }
    return false;
  };
  let checked = Date.now();
  let quiet: Promise<void> | undefined;
  try {
    let done = await write(options.replay);
    while (!done && !connection.closed && !options.ending.aborted && Date.now() - quietSince < idleMs) {
      await new Promise((r) => setTimeout(r, pollMs));
      if (options.whenQuiet && !quiet && Date.now() - Math.max(quietSince, checked) >= (options.quietMs ?? 1_000)) {
        checked = Date.now();
        quiet = options.whenQuiet().finally(() => (quiet = undefined));
      }
      const next = await options.store.replayAfter(options.sessionId, cursor);
      if (next.type !== "found") break;
      done = await write(next.events);
    }
  } catch {
    // The store failed: end this connection; the client resumes from the last event id it got.
  }
  closeSse(connection, options.keepAlive);
}
