/**
 * `tapeUpstream`: a recorded session served back as an {@linkcode Upstream}. Put it behind
 * `createReverseProxy` and it is a mock Streamable HTTP MCP server that answers requests with the
 * recorded responses and notifications, ids and progress tokens remapped to the new requests.
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import {
  ErrorCode,
  errorResponse,
  isRequest,
  isResponse,
  progressNotificationToken,
  progressTokenOf,
} from "../jsonrpc/types.ts";
import type { SendContext, Upstream, UpstreamConnection, UpstreamMessage, UpstreamReply } from "../upstream/types.ts";
import type { Tape } from "./tape.ts";
import { indexTape, type RecordedCall, requestKey, type TapeIndex } from "./index.ts";

/** Options of {@linkcode tapeUpstream}. */
export interface TapeUpstreamOptions {
  /** Reproduce the recorded delays between a request and each message that answered it. @default false */
  realtime?: boolean;
  /** Receives one line per request the tape has no answer for. */
  onMiss?: (request: JsonRpcRequest) => void;
}

/**
 * Serves a tape as an upstream. Matching, per request: the same method and params (ignoring `_meta`)
 * in the recorded session this connection follows, unused first; then the same anywhere; then the same
 * method. A request with no match gets -32601 ("No recorded response…"); `ping` is always answered.
 *
 * @param tape A parsed tape (`parseTape`).
 * @param options Timing and misses.
 * @returns The upstream (`description` is `tape:<upstream>`).
 * @example
 * ```ts ignore
 * const tape = parseTape(await runtime.readTextFile("session.jsonl"));
 * const mock = createReverseProxy({ upstream: tapeUpstream(tape) });
 * ```
 */
export function tapeUpstream(tape: Tape, options: TapeUpstreamOptions = {}): Upstream {
  const index = indexTape(tape);
  return {
    description: `tape:${tape.header?.upstream ?? "recording"}`,
    connect: () => new _TapeConnection(index, options),
  };
}

class _TapeConnection implements UpstreamConnection {
  #index: TapeIndex;
  #options: TapeUpstreamOptions;
  #session: string | undefined;
  #used = new Set<RecordedCall>();
  #queue: UpstreamMessage[] = [];
  #listener: ReadableStreamDefaultController<UpstreamMessage> | undefined;
  #endedResolve!: () => void;
  readonly ended: Promise<void> = new Promise((resolve) => (this.#endedResolve = resolve));

  constructor(index: TapeIndex, options: TapeUpstreamOptions) {
    this.#index = index;
    this.#options = options;
  }

  send(messages: JsonRpcMessage[], _context?: SendContext): Promise<UpstreamReply> {
    const requests = messages.filter(isRequest);
    if (requests.length === 0) return Promise.resolve({ type: "accepted" });
    const plans = requests.map((r) => ({ request: r, call: this.#match(r) }));
    const realtime = this.#options.realtime ?? false;
    const stream = new ReadableStream<UpstreamMessage>({
      start: async (controller) => {
        for (const { request, call } of plans) {
          if (!call) {
            controller.enqueue({ message: this.#miss(request) });
            continue;
          }
          const started = Date.now();
          for (const reply of call.replies) {
            if (realtime) await _sleep(reply.at - call.at - (Date.now() - started));
            controller.enqueue({ message: _remap(reply.message, call.request, request) });
          }
          if (!call.replies.some((r) => isResponse(r.message))) {
            controller.enqueue({
              message: errorResponse(request.id, ErrorCode.UpstreamError, "The recorded request got no response"),
            });
          }
          for (const item of call.after) this.#push({ message: item.message });
        }
        controller.close();
      },
    });
    return Promise.resolve({ type: "messages", format: "sse", messages: stream });
  }

  listen(_context?: SendContext): Promise<ReadableStream<UpstreamMessage>> {
    return Promise.resolve(
      new ReadableStream<UpstreamMessage>({
        start: (controller) => {
          this.#listener = controller;
          for (const item of this.#queue.splice(0)) controller.enqueue(item);
        },
        cancel: () => {
          this.#listener = undefined;
        },
      }),
    );
  }

  close(): Promise<void> {
    try {
      this.#listener?.close();
    } catch {
      // Already closed.
    }
    this.#listener = undefined;
    this.#endedResolve();
    return Promise.resolve();
  }

  #push(item: UpstreamMessage): void {
    if (this.#listener) this.#listener.enqueue(item);
    else this.#queue.push(item);
  }

  #match(request: JsonRpcRequest): RecordedCall | undefined {
    const sameMethod = this.#index.byMethod.get(request.method) ?? [];
    const key = requestKey(request);
    const exact = sameMethod.filter((c) => c.key === key);
    const call = _pick(exact, this.#session, this.#used) ?? _pick(sameMethod, this.#session, this.#used);
    if (call) {
      this.#used.add(call);
      this.#session ??= call.session;
    }
    return call;
  }

  #miss(request: JsonRpcRequest): JsonRpcMessage {
    if (request.method === "ping") return { jsonrpc: "2.0", id: request.id, result: {} };
    this.#options.onMiss?.(request);
    return errorResponse(
      request.id,
      ErrorCode.MethodNotFound,
      `No recorded response for ${request.method} in the tape`,
    );
  }
}

/** Unused in the followed session, then unused anywhere, then the last used in the session, then any. */
function _pick(list: RecordedCall[], session: string | undefined, used: Set<RecordedCall>): RecordedCall | undefined {
  const inSession = session === undefined ? list : list.filter((c) => c.session === session);
  return inSession.find((c) => !used.has(c)) ?? list.find((c) => !used.has(c)) ?? inSession.at(-1) ?? list.at(-1);
}

/** The recorded message with the new request's id and progress token. */
function _remap(message: JsonRpcMessage, recorded: JsonRpcRequest, actual: JsonRpcRequest): JsonRpcMessage {
  if (isResponse(message) && "id" in message && message.id === recorded.id) return { ...message, id: actual.id };
  const token = progressNotificationToken(message);
  const newToken = progressTokenOf(actual);
  if (token !== undefined && token === progressTokenOf(recorded) && newToken !== undefined && "params" in message) {
    return { ...message, params: { ...(message.params as Record<string, unknown>), progressToken: newToken } };
  }
  return message;
}

function _sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, Math.min(ms, 60_000)));
}
