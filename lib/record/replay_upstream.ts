/**
 * `tapeUpstream`: a recorded session served back as an {@linkcode Upstream}. Put it behind
 * `createReverseProxy` and it is a mock Streamable HTTP MCP server that answers requests with the
 * recorded responses and notifications, ids and progress tokens remapped to the new requests.
 *
 * @module
 */
import { StandaloneBuffer } from "../kit/standalone_buffer.ts";
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
import { indexTape, type RecordedCall, requestKey, type TapeIndex } from "./tape_index.ts";
import { sleep } from "../kit/deadline.ts";

/** Options of {@linkcode tapeUpstream}. */
export interface TapeUpstreamOptions {
  /**
   * The pace of the replay, as a multiplier of the recorded pace (no unit). Each server message of a
   * response stream goes out when its recorded offset from the request (the tape's `at` of the message
   * minus the `at` of the request), divided by `speed`, has passed since the replayed request arrived;
   * a standalone-stream message keeps its offset from the request it followed on the tape. `1` is the
   * recorded pace, `2` twice as fast, `0.5` half speed, `0` no delays at all (as fast as possible).
   * Waits end early when the connection closes (session end, proxy shutdown), so no timer outlives it.
   *
   * @default 1
   */
  speed?: number;
  /** Receives one line per request the tape has no answer for. */
  onMiss?: (request: JsonRpcRequest) => void;
}

/**
 * Serves a tape as an upstream. Matching, per request: the same method and params (ignoring `_meta`)
 * in the recorded session this connection follows, unused first; then the same anywhere; then the same
 * method. A request with no match gets -32601 ("No recorded response…"); `ping` is always answered.
 *
 * Server messages keep the recorded timing of their stream (see {@linkcode TapeUpstreamOptions.speed}).
 *
 * @param tape A parsed tape (`parseTape`).
 * @param options Pace and misses.
 * @returns The upstream (`description` is `tape:<upstream>`).
 * @throws {RangeError} When `speed` is not a finite number of at least 0.
 * @example
 * ```ts ignore
 * const tape = parseTape(await runtime.readTextFile("session.jsonl"));
 * const mock = createReverseProxy({ upstream: tapeUpstream(tape) });              // the recorded pace
 * const fast = createReverseProxy({ upstream: tapeUpstream(tape, { speed: 0 }) }); // no delays
 * ```
 */
export function tapeUpstream(tape: Tape, options: TapeUpstreamOptions = {}): Upstream {
  const speed = options.speed ?? 1;
  if (typeof speed !== "number" || !Number.isFinite(speed) || speed < 0) {
    throw new RangeError(`tapeUpstream: speed must be a finite number of at least 0 (got ${speed})`);
  }
  const index = indexTape(tape);
  return {
    description: `tape:${tape.header?.upstream ?? "recording"}`,
    connect: () => new _TapeConnection(index, { ...options, speed }),
  };
}

/** A server message due at `offsetMs` (recorded pace) after the start of its stream. */
interface _Due {
  offsetMs: number;
  message: JsonRpcMessage;
}

class _TapeConnection implements UpstreamConnection {
  #index: TapeIndex;
  #options: TapeUpstreamOptions & { speed: number };
  #session: string | undefined;
  #used = new Set<RecordedCall>();
  /** Standalone-stream messages, kept (bounded) until the client listens. */
  #standaloneBuffer = new StandaloneBuffer<UpstreamMessage>();
  /** Aborted by `close`: every pending wait of this connection ends at once (no timer outlives it). */
  #closing = new AbortController();
  /** Standalone-stream messages go out one after another, each at its time, in recorded order. */
  #standaloneTail: Promise<void> = Promise.resolve();
  #endedResolve!: () => void;
  readonly ended: Promise<void> = new Promise((resolve) => (this.#endedResolve = resolve));

  constructor(index: TapeIndex, options: TapeUpstreamOptions & { speed: number }) {
    this.#index = index;
    this.#options = options;
  }

  send(messages: JsonRpcMessage[], context?: SendContext): Promise<UpstreamReply> {
    const requests = messages.filter(isRequest);
    if (requests.length === 0) return Promise.resolve({ type: "accepted" });
    // The stream starts when the request arrives, as the recorded one started at the request's `at`.
    const arrived = Date.now();
    const due: _Due[] = [];
    for (const request of requests) {
      const call = this.#match(request);
      if (!call) {
        due.push({ offsetMs: 0, message: this.#miss(request) });
        continue;
      }
      for (const reply of call.replies) {
        due.push({ offsetMs: reply.at - call.at, message: _remap(reply.message, call.request, request) });
      }
      if (!call.replies.some((r) => isResponse(r.message))) {
        due.push({
          offsetMs: (call.replies.at(-1)?.at ?? call.at) - call.at,
          message: errorResponse(request.id, ErrorCode.UpstreamError, "The recorded request got no response"),
        });
      }
      for (const item of call.after) this.#standalone(arrived + this.#scaled(item.at - call.at), item.message);
    }
    // The requests of a batch answer on one stream: their messages interleave as they were recorded.
    // (Array.prototype.sort is stable, so equal offsets keep their recorded order.)
    due.sort((a, b) => a.offsetMs - b.offsetMs);
    const cancelled = new AbortController();
    const signal = AbortSignal.any(
      [this.#closing.signal, cancelled.signal, context?.signal].filter((s): s is AbortSignal => s !== undefined),
    );
    let next = 0;
    const stream = new ReadableStream<UpstreamMessage>({
      pull: async (controller) => {
        const item = due[next++];
        if (item) await this.#until(arrived + this.#scaled(item.offsetMs), signal);
        if (cancelled.signal.aborted) return;
        if (!item || signal.aborted) return controller.close();
        controller.enqueue({ message: item.message });
      },
      cancel: () => cancelled.abort(),
    });
    return Promise.resolve({ type: "messages", delivery: "streamed", messages: stream });
  }

  listen(_context?: SendContext): Promise<ReadableStream<UpstreamMessage>> {
    return Promise.resolve(this.#standaloneBuffer.listen());
  }

  close(): Promise<void> {
    this.#closing.abort();
    this.#standaloneBuffer.detach();
    this.#endedResolve();
    return Promise.resolve();
  }

  /** A recorded offset (ms) at this connection's speed; speed 0 makes every offset 0. */
  #scaled(offsetMs: number): number {
    return this.#options.speed === 0 ? 0 : offsetMs / this.#options.speed;
  }

  /** Waits until the time `at` (ms since the epoch), or until `signal` aborts; no timer when already due. */
  async #until(at: number, signal: AbortSignal): Promise<void> {
    const ms = at - Date.now();
    // setTimeout fires at once for delays past 2^31 - 1 ms (~24.8 days); a tape with such a gap waits that long.
    if (ms > 0 && !signal.aborted) await sleep(Math.min(ms, 2 ** 31 - 1), signal);
  }

  /** Puts `message` on the standalone stream at `at` (ms since the epoch), after the ones already due. */
  #standalone(at: number, message: JsonRpcMessage): void {
    this.#standaloneTail = this.#standaloneTail.then(async () => {
      await this.#until(at, this.#closing.signal);
      if (!this.#closing.signal.aborted) this.#standaloneBuffer.push({ message });
    });
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
