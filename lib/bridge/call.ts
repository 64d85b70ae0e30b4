/**
 * One modern request running in a bridged upstream session: the request translated to 2025 (its
 * 2026-07-28 `_meta` keys dropped, an upstream id of the bridge's own), its upstream reply read round by
 * round. A round ends with the final response (given back under the client's id of that round, with
 * `resultType: "complete"`) or with a server→client request of the upstream (sampling, elicitation, roots)
 * that the bridge turns into an InputRequiredResult; the next round starts when the client retries.
 *
 * @module
 */
import type { JsonRpcId, JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from "../jsonrpc/types.ts";
import { ErrorCode, errorResponse, isRequest, isResponse } from "../jsonrpc/types.ts";
import type { UpstreamMessage } from "../upstream/types.ts";
import type { BridgedSession } from "./session.ts";

/** How a round ended. */
export type RoundEnd =
  | { type: "response"; response: JsonRpcResponse }
  | { type: "input"; request: JsonRpcRequest }
  | { type: "cancelled" };

/**
 * The 2025 form of a 2026-07-28 request under the upstream id `id`: the `io.modelcontextprotocol/*` `_meta`
 * keys, `inputResponses` and `requestState` dropped; `progressToken` and other `_meta` keys kept.
 *
 * @example
 * ```ts
 * import { toUpstreamRequest } from "./call.ts";
 * const r = toUpstreamRequest({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: { progressToken: 3 } } }, "b-1");
 * console.assert(r.id === "b-1" && (r.params as { _meta: { progressToken: number } })._meta.progressToken === 3);
 * ```
 */
export function toUpstreamRequest(message: JsonRpcRequest, id: string): JsonRpcRequest {
  const params = { ...(message.params as Record<string, unknown> | undefined ?? {}) };
  delete params.inputResponses;
  delete params.requestState;
  const meta = params._meta as Record<string, unknown> | undefined;
  if (meta) {
    const kept = Object.fromEntries(Object.entries(meta).filter(([k]) => !k.startsWith("io.modelcontextprotocol/")));
    if (Object.keys(kept).length > 0) params._meta = kept;
    else delete params._meta;
  }
  return { jsonrpc: "2.0", id, method: message.method, params };
}

/**
 * One bridged request in flight upstream.
 *
 * @example
 * ```ts ignore
 * const call = new BridgedCall(session);
 * const end = (await call.start(request)) ?? (await call.round(sink, signal));
 * ```
 */
export class BridgedCall {
  readonly session: BridgedSession;
  readonly upstreamId: string;
  #reader: ReadableStreamDefaultReader<UpstreamMessage> | undefined;
  #done = false;
  #read: Promise<ReadableStreamReadResult<UpstreamMessage>> | undefined;
  #injected: JsonRpcRequest[] = [];
  #poke: (() => void) | undefined;

  constructor(session: BridgedSession) {
    this.session = session;
    this.upstreamId = session.nextId();
  }

  /**
   * Sends the translated request upstream.
   *
   * @returns The end of the round when the upstream answered at once (an HTTP refusal becomes a JSON-RPC
   *   error), else `undefined` (read it with {@linkcode BridgedCall.round}).
   */
  async start(message: JsonRpcRequest): Promise<RoundEnd | undefined> {
    // In flight from before the send: a stdio child or an HTTP+SSE upstream may ask its server→client
    // request on the standalone stream before the POST that carries the call has even been answered.
    this.session.inflight.add(this);
    let reply;
    try {
      reply = await this.session.send(toUpstreamRequest(message, this.upstreamId));
    } catch (error) {
      this.#finish();
      const text = error instanceof Error ? error.message : "The upstream failed";
      return { type: "response", response: errorResponse(this.upstreamId, ErrorCode.UpstreamError, text) };
    }
    if (reply.type === "messages") {
      this.#reader = reply.messages.getReader();
      return undefined;
    }
    this.#finish();
    if (reply.type === "http") await reply.response.body?.cancel().catch(() => {});
    const text = reply.type === "http"
      ? `The 2025-era upstream answered HTTP ${reply.response.status}`
      : "The 2025-era upstream accepted the request without answering it";
    return { type: "response", response: errorResponse(this.upstreamId, ErrorCode.UpstreamError, text) };
  }

  /**
   * Reads the upstream reply until the round ends; notifications go to `sink` (progress, logging).
   *
   * @param signal The client went away: stop reading and report `cancelled`.
   */
  async round(sink: (m: JsonRpcMessage) => Promise<void>, signal: AbortSignal): Promise<RoundEnd> {
    const reader = this.#reader;
    if (!reader || this.#done) {
      this.#finish();
      return { type: "response", response: this.#lost() };
    }
    try {
      for (;;) {
        const injected = this.#injected.shift();
        if (injected) return { type: "input", request: injected };
        this.#read ??= reader.read();
        const next = await Promise.race([this.#read, this.#wake(signal)]);
        if (signal.aborted) return { type: "cancelled" };
        if (next === null) continue;
        this.#read = undefined;
        if (next.done) {
          this.#done = true;
          return { type: "response", response: this.#lost() };
        }
        const end = await this.#take(next.value.message, reader, sink);
        if (end) return end;
      }
    } finally {
      // Between rounds (an input round out to the client) the call stays in flight: a request that comes
      // meanwhile waits in `#injected` for the retried request's round.
      if (this.#done || signal.aborted) this.#finish();
    }
  }

  /** The call is over: no server→client request goes to it any more. */
  #finish(): void {
    this.session.inflight.delete(this);
  }

  /** One message of the reply: the final response, a server→client request, or a notification for the client. */
  async #take(
    message: JsonRpcMessage,
    reader: ReadableStreamDefaultReader<UpstreamMessage>,
    sink: (m: JsonRpcMessage) => Promise<void>,
  ): Promise<RoundEnd | undefined> {
    this.session.observeIncoming(message);
    if (isResponse(message) && message.id === this.upstreamId) {
      this.#done = true;
      void reader.cancel().catch(() => {});
      return { type: "response", response: message };
    }
    if (isRequest(message)) return { type: "input", request: message };
    await sink(message);
    return undefined;
  }

  /**
   * A server→client request that came on the session's standalone stream (a stdio child or a legacy
   * HTTP+SSE upstream has no per-request stream): it belongs to this call's current round.
   */
  inject(request: JsonRpcRequest): void {
    this.#injected.push(request);
    this.#poke?.();
  }

  /** Resolves `null` when a request was injected or the client went away. */
  #wake(signal: AbortSignal): Promise<null> {
    return new Promise<null>((resolve) => {
      this.#poke = () => resolve(null);
      if (signal.aborted || this.#injected.length > 0) resolve(null);
      signal.addEventListener("abort", () => resolve(null), { once: true });
    });
  }

  /** Answers the upstream's server→client request (the client's input response, or an error). */
  async answer(id: JsonRpcId, result: unknown, error?: { code: number; message: string }): Promise<void> {
    const message: JsonRpcMessage = error
      ? errorResponse(id, error.code, error.message)
      : { jsonrpc: "2.0", id, result: result as Record<string, unknown> };
    await this.session.notify(message);
  }

  /** Cancels the upstream request (`notifications/cancelled`) and stops reading its reply. */
  async cancel(reason: string): Promise<void> {
    this.#finish();
    if (this.#done) return;
    this.#done = true;
    await this.session.notify({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: this.upstreamId, reason },
    });
    await this.#reader?.cancel().catch(() => {});
  }

  #lost(): JsonRpcResponse {
    return errorResponse(this.upstreamId, ErrorCode.UpstreamError, "The upstream ended the stream without a response");
  }
}
