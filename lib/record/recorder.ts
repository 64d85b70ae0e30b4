/**
 * The tape recorder: turns envelopes and HTTP exchanges into tape lines and writes them in small
 * batches (never one write per message, never the whole tape in memory).
 *
 * @module
 */
import type { Envelope } from "../protocol/envelope.ts";
import type { Interceptor } from "../intercept/types.ts";
import { SESSION_ID_HEADER } from "../protocol/headers.ts";
import {
  TAPE_FORMAT,
  TAPE_HEADERS,
  TAPE_VERSION,
  type TapeExchange,
  tapeLine,
  type TapeMessage,
  type TapeRecord,
} from "./tape.ts";

/** Options of {@linkcode createTapeRecorder}. */
export interface TapeRecorderOptions {
  /** Appends text to the tape (the runtime's append, or an in-memory sink in tests). */
  write: (text: string) => Promise<void>;
  /** What is recorded (upstream URL or command), for the header. */
  upstream?: string;
  /** Longest time a record waits before it is written, in ms. @default 50 */
  flushMs?: number;
  /** Receives write failures (the recording goes on). */
  onError?: (error: unknown) => void;
}

/** A recorder: feed it messages and exchanges; `close` writes what is left. */
export interface TapeRecorder {
  /** Records one message; give it as the endpoint's (or the forward proxy's) `onMessage`. */
  onMessage(envelope: Envelope): void;
  /**
   * The same as `onMessage`, as an interceptor (records, never changes anything): put it in a chain to
   * record at an `Upstream` boundary, e.g. in the forward proxy.
   */
  readonly interceptor: Interceptor;
  /** Wraps a Web handler so every HTTP exchange (status and the headers that matter) is recorded. */
  wrap(handler: (request: Request) => Promise<Response>): (request: Request) => Promise<Response>;
  /** Writes every pending record. */
  flush(): Promise<void>;
  /** Flushes and stops. */
  close(): Promise<void>;
}

/**
 * Creates a recorder. The header line is written first.
 *
 * @example
 * ```ts
 * import { createTapeRecorder } from "./recorder.ts";
 * let text = "";
 * const recorder = createTapeRecorder({ write: async (t) => { text += t; } });
 * recorder.onMessage({ direction: "client-to-server", receivedAt: 1, message: { jsonrpc: "2.0", id: 1, method: "ping" } });
 * await recorder.close();
 * console.assert(text.split("\n").length === 3);
 * ```
 */
export function createTapeRecorder(options: TapeRecorderOptions): TapeRecorder {
  let pending: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> = Promise.resolve();
  const flushMs = options.flushMs ?? 50;

  const flush = (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (pending.length > 0) {
      const text = pending.join("");
      pending = [];
      writing = writing.then(() => options.write(text)).catch((error) => options.onError?.(error));
    }
    return writing;
  };
  const push = (record: TapeRecord) => {
    pending.push(tapeLine(record));
    timer ??= setTimeout(flush, flushMs);
  };

  push({
    type: "tape",
    format: TAPE_FORMAT,
    version: TAPE_VERSION,
    createdAt: new Date().toISOString(),
    ...(options.upstream !== undefined ? { upstream: options.upstream } : {}),
  });

  const onMessage = (envelope: Envelope) => push(messageRecord(envelope));

  return {
    onMessage,
    interceptor: (envelope) => void onMessage(envelope),
    wrap(handler) {
      return async (request) => {
        const started = Date.now();
        const response = await handler(request);
        const record = exchangeRecord(request, response, started);
        push(record);
        return response;
      };
    },
    flush,
    async close() {
      await flush();
    },
  };
}

/**
 * The tape record of one envelope (docs/tapes.md "Message"): what the recorder writes and the UI shows.
 *
 * @param envelope A message seen by an endpoint's observer.
 * @returns Its `message` record, without the origin fields the envelope lacks.
 * @example
 * ```ts
 * import { messageRecord } from "./recorder.ts";
 * const r = messageRecord({ direction: "client-to-server", receivedAt: 1, message: { jsonrpc: "2.0", method: "x" } });
 * console.assert(r.type === "message" && !("session" in r));
 * ```
 */
export function messageRecord(envelope: Envelope): TapeMessage {
  const record: TapeMessage = {
    type: "message",
    at: envelope.receivedAt,
    direction: envelope.direction,
    message: envelope.message,
  };
  if (envelope.sessionId !== undefined) record.session = envelope.sessionId;
  if (envelope.stream !== undefined) record.stream = envelope.stream;
  if (envelope.eventId !== undefined) record.eventId = envelope.eventId;
  if (envelope.upstreamEventId !== undefined) record.upstreamEventId = envelope.upstreamEventId;
  if (envelope.revision !== undefined) record.revision = envelope.revision;
  return record;
}

/**
 * The tape record of one HTTP exchange with the client (docs/tapes.md "HTTP exchange"); credentials are
 * never kept (only `TAPE_HEADERS`).
 *
 * @param request The client's request.
 * @param response The response head mcpwire gave.
 * @param started When the request arrived, ms since the epoch.
 * @returns Its `http` record; `session` from the response's or the request's `Mcp-Session-Id`.
 * @example
 * ```ts
 * import { exchangeRecord } from "./recorder.ts";
 * const r = exchangeRecord(new Request("http://x/mcp", { method: "POST" }), new Response(null, { status: 202 }), Date.now());
 * console.assert(r.status === 202 && r.method === "POST");
 * ```
 */
export function exchangeRecord(request: Request, response: Response, started: number): TapeExchange {
  const record: TapeExchange = {
    type: "http",
    at: Date.now(),
    method: request.method,
    status: response.status,
    durationMs: Date.now() - started,
    request: { headers: _pick(request.headers) },
    response: { headers: _pick(response.headers) },
  };
  const session = response.headers.get(SESSION_ID_HEADER) ?? request.headers.get(SESSION_ID_HEADER);
  if (session !== null) record.session = session;
  return record;
}

function _pick(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of TAPE_HEADERS) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}
