/**
 * The era bridge, 2026-07-28 client → 2025-era upstream (issue 13 part 1; docs/bridging.md): each modern
 * request runs in an upstream 2025 session from a pool keyed by the caller identity and the client's
 * declared clientInfo and capabilities (so two clients never share a session), `server/discover` is
 * answered from the upstream's `initialize` result, `subscriptions/listen` becomes the session's standalone
 * stream (`listen.ts`), and server→client requests become InputRequiredResult rounds (`input.ts`). Both
 * hops are observed: the modern one under 2026-07-28, the upstream one under the session's 2025 revision.
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from "../jsonrpc/types.ts";
import { ErrorCode, errorResponse, isRequest } from "../jsonrpc/types.ts";
import type { Caller } from "../security/caller.ts";
import type { SessionCore, StatelessScope } from "../session/core.ts";
import { UpstreamUnavailableError } from "../upstream/types.ts";
import { BridgedCall, type RoundEnd } from "./call.ts";
import { declaredClient, discoverFromInitialize } from "./discover.ts";
import { missingCapability, PendingInputs } from "./input.ts";
import { listenBridged } from "./listen.ts";
import { BridgedSession } from "./session.ts";

/** Where the bridge puts a message for the modern client (a promise holds back the next one). */
export type BridgeSink = (message: JsonRpcMessage) => Promise<void>;

/** The modern hop's scope. */
const MODERN: StatelessScope = { revision: "2026-07-28" };

/**
 * The era bridge of one endpoint (one upstream): the pool, the cached DiscoverResult, the waiting rounds.
 *
 * @example
 * ```ts ignore
 * const bridge = new ModernBridge(core);
 * await bridge.handle(message, callerOf(request), sink, aborter.signal);
 * await bridge.close();
 * ```
 */
export class ModernBridge {
  readonly #core: SessionCore;
  readonly #pool = new Map<string, Promise<BridgedSession>>();
  readonly #pending = new PendingInputs();
  #discover: Record<string, unknown> | undefined;

  constructor(core: SessionCore) {
    this.#core = core;
  }

  /**
   * Handles one 2026-07-28 message for a 2025-era upstream: messages for the client go to `sink` (the last
   * one is the response to a request); `signal` aborts when the client closed its response stream, which
   * cancels the upstream request (`notifications/cancelled`, T-POST-10).
   *
   * @example
   * ```ts ignore
   * await bridge.handle(message, callerOf(request), async (m) => void out.push(m), aborter.signal);
   * ```
   */
  async handle(message: JsonRpcMessage, caller: Caller, sink: BridgeSink, signal: AbortSignal): Promise<void> {
    this.#core.observer(MODERN, "client-to-server", "post")?.(message);
    const s2c = this.#core.observer(MODERN, "server-to-client", "post");
    const out: BridgeSink = async (m) => {
      await sink(m);
      s2c?.(m);
    };
    if (!isRequest(message)) return; // a modern notification has no session to go to: accepted, dropped
    try {
      const session = await this.#session(message, caller);
      if (message.method === "server/discover") {
        this.#discover ??= discoverFromInitialize(session.initResult);
        return await out({ jsonrpc: "2.0", id: message.id, result: this.#discover });
      }
      if (message.method === "subscriptions/listen") return await listenBridged(session, message, out, signal);
      await this.#run(session, message, out, signal);
    } catch (error) {
      this.#core.report(error);
      const text = error instanceof UpstreamUnavailableError ? error.message : "The 2025-era upstream failed";
      await out(errorResponse(message.id, ErrorCode.UpstreamError, text));
    }
  }

  /** The pooled session for the request's key, opened on first use. */
  async #session(message: JsonRpcMessage, caller: Caller): Promise<BridgedSession> {
    const client = declaredClient(message);
    const key = JSON.stringify([caller.kind, caller.id, client.clientInfo, client.capabilities]);
    let opening = this.#pool.get(key);
    if (!opening) {
      const session = new BridgedSession(this.#core, key, client);
      opening = session.open().then(() => session);
      this.#pool.set(key, opening);
      opening.catch(() => this.#pool.delete(key));
    }
    return await opening;
  }

  /** Runs a request (or resumes a parked one) round by round until it answers or asks for input. */
  async #run(session: BridgedSession, message: JsonRpcRequest, out: BridgeSink, signal: AbortSignal) {
    const params = message.params as Record<string, unknown> | undefined;
    const resumed = this.#pending.take(params, session.key);
    let call: BridgedCall;
    if (resumed) {
      call = resumed.call;
      const responses = params?.inputResponses as Record<string, unknown> | undefined;
      const answer = responses?.[resumed.inputKey];
      if (answer === undefined) {
        await call.answer(resumed.request.id, undefined, { code: ErrorCode.InvalidParams, message: "No input" });
      } else await call.answer(resumed.request.id, answer);
    } else {
      call = new BridgedCall(session);
      const early = await call.start(message);
      if (early) return await out(_forClient(early, message));
    }
    const end = await call.round(out, signal);
    if (end.type === "cancelled") return await call.cancel("The client closed its response stream");
    if (end.type === "input") {
      const lacking = missingCapability(end.request, session.client.capabilities);
      if (lacking) return await this.#refuseInput(call, end.request, lacking, message, out);
      return await out({ jsonrpc: "2.0", id: message.id, result: this.#pending.park(call, end.request) });
    }
    await out(_forClient(end, message));
  }

  /** The upstream asked for what the client did not declare: error both ways, never a hang. */
  async #refuseInput(
    call: BridgedCall,
    asked: JsonRpcRequest,
    lacking: string,
    message: JsonRpcRequest,
    out: BridgeSink,
  ) {
    const text = `The upstream sent ${asked.method}, but the client did not declare the "${lacking}" capability`;
    await call.answer(asked.id, undefined, { code: ErrorCode.MissingRequiredClientCapability, message: text });
    await call.cancel(text);
    await out(errorResponse(message.id, ErrorCode.MissingRequiredClientCapability, text, { capability: lacking }));
  }

  /** Closes every pooled session and cancels waiting rounds. */
  async close(): Promise<void> {
    this.#pending.clear();
    const sessions = [...this.#pool.values()];
    this.#pool.clear();
    await Promise.all(sessions.map((s) => s.then((x) => x.close(), () => {})));
  }
}

/** The results that carry a 2026-07-28 cache hint (`ttlMs`, `cacheScope`). */
const CACHEABLE = new Set([
  "tools/list",
  "prompts/list",
  "resources/list",
  "resources/templates/list",
  "resources/read",
]);

/** The upstream's final response under the client's id, a success stamped `resultType: "complete"`. */
function _forClient(end: RoundEnd, message: JsonRpcRequest): JsonRpcResponse {
  if (end.type !== "response") return errorResponse(message.id, ErrorCode.UpstreamError, "No response");
  const response = end.response;
  if ("error" in response) return { ...response, id: message.id };
  const result = { ...(response.result as Record<string, unknown>) };
  result.resultType ??= "complete";
  if (CACHEABLE.has(message.method)) {
    // A 2025 server gives no cache hint; the bridge's answer is per caller and may change at once.
    result.ttlMs ??= 0;
    result.cacheScope ??= "private";
  }
  return { jsonrpc: "2.0", id: message.id, result };
}
