/**
 * Server→client requests of a 2025-era upstream turned into 2026-07-28 InputRequiredResult rounds: the
 * upstream's `sampling/createMessage`, `elicitation/create` or `roots/list` becomes one entry of
 * `inputRequests` (`{ method, params }`), the bridge keeps the call under an opaque `requestState`, and the
 * client's retried request carries the answer in `inputResponses` under the same key.
 *
 * @module
 */
import type { JsonRpcRequest } from "../jsonrpc/types.ts";
import { mintSessionId } from "../session/session_id.ts";
import type { BridgedCall } from "./call.ts";

/** The client capability each server→client request needs (T-BC-04: capabilities are declared per request). */
export const NEEDED_CAPABILITY: Readonly<Record<string, string>> = {
  "sampling/createMessage": "sampling",
  "elicitation/create": "elicitation",
  "roots/list": "roots",
};

/**
 * The capability the client lacks to answer `request`, or `undefined` when it declared it.
 *
 * @example
 * ```ts
 * import { missingCapability } from "./input.ts";
 * const r = { jsonrpc: "2.0" as const, id: 1, method: "sampling/createMessage" };
 * console.assert(missingCapability(r, {}) === "sampling");
 * ```
 */
export function missingCapability(request: JsonRpcRequest, capabilities: Record<string, unknown>): string | undefined {
  const needed = NEEDED_CAPABILITY[request.method];
  if (needed === undefined) return request.method;
  return capabilities[needed] ? undefined : needed;
}

/** A round waiting for the client's retried request. */
export interface PendingInput {
  /** The call the round belongs to. */
  call: BridgedCall;
  /** The upstream's server→client request. */
  request: JsonRpcRequest;
  /** The key of that request in `inputRequests` / `inputResponses`. */
  inputKey: string;
  /** Cancels the upstream call when the client never retries. */
  timer: ReturnType<typeof setTimeout>;
}

/** How long a round waits for the client's retry before the upstream call is cancelled, in ms. */
export const INPUT_WAIT_MS = 5 * 60_000;

/**
 * The rounds waiting for a retry, by `requestState` (an opaque 192-bit random token).
 *
 * @example
 * ```ts ignore
 * const result = pending.park(call, upstreamRequest); // { resultType: "input_required", … }
 * const round = pending.take(retried.params, session.key);
 * ```
 */
export class PendingInputs {
  readonly #rounds = new Map<string, PendingInput>();

  /**
   * Parks `call` until the client retries, and returns the InputRequiredResult to answer with.
   *
   * @example
   * ```ts ignore
   * const result = pending.park(call, upstreamRequest);
   * ```
   */
  park(call: BridgedCall, request: JsonRpcRequest): Record<string, unknown> {
    const state = mintSessionId();
    const inputKey = `upstream-${String(request.id)}`;
    const timer = setTimeout(() => {
      this.#rounds.delete(state);
      void call.cancel("The client never answered the input request");
    }, INPUT_WAIT_MS);
    this.#rounds.set(state, { call, request, inputKey, timer });
    return {
      resultType: "input_required",
      inputRequests: { [inputKey]: { method: request.method, params: request.params ?? {} } },
      requestState: state,
    };
  }

  /**
   * The round a retried request resumes: its `requestState`, only for the pool key that parked it (a
   * request of another caller never resumes someone else's call).
   */
  take(params: Record<string, unknown> | undefined, key: string): PendingInput | undefined {
    const state = params?.requestState;
    if (typeof state !== "string") return undefined;
    const round = this.#rounds.get(state);
    if (!round || round.call.session.key !== key) return undefined;
    this.#rounds.delete(state);
    clearTimeout(round.timer);
    return round;
  }

  /** Cancels every waiting round (shutdown). */
  clear(): void {
    for (const round of this.#rounds.values()) {
      clearTimeout(round.timer);
      void round.call.cancel("mcpwire is shutting down");
    }
    this.#rounds.clear();
  }
}
