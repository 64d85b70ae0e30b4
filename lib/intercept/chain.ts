/**
 * The interceptor chain: runs interceptors in order on one message and folds their actions into one
 * outcome. A throwing interceptor never escapes: the chain's error handler turns it into an action.
 *
 * @module
 */
import { sleep } from "../kit/deadline.ts";
import { ErrorCode, errorResponse, isNotification, isRequest, isResponse } from "../jsonrpc/types.ts";
import type { JsonRpcErrorObject, JsonRpcMessage } from "../jsonrpc/types.ts";
import type { ChainOutcome, Injection, InterceptAction, Intercepted, Interceptor } from "./types.ts";

/** Options of {@linkcode createInterceptorChain}. */
export interface InterceptorChainOptions {
  /**
   * Decides what a throwing interceptor (or one that returns a malformed action) means for the message,
   * like Go's `ReverseProxy.ErrorHandler`. `index` is the interceptor's position in the chain.
   *
   * @default blocks the message with a -32603 error "Interceptor <n> failed: <reason>" (a request is
   * answered with it, a response is replaced by it, a notification is dropped)
   */
  errorHandler?: (error: unknown, envelope: Readonly<Intercepted>, index: number) => InterceptAction;
  /** Observes interceptor failures (for logs), before `errorHandler` runs. */
  onError?: (error: unknown) => void;
}

/** A chain of interceptors, ready to run on envelopes. */
export interface InterceptorChain {
  /** Runs every interceptor on `envelope` (in order) and returns the outcome. Never throws. */
  run(envelope: Intercepted): Promise<ChainOutcome>;
}

/** The error code of a message blocked without an explicit code. */
export const BLOCKED_CODE = ErrorCode.ServerError;

/**
 * Creates a chain. `interceptors` may be a function, read once per message, so the list can change while
 * sessions run (rules reload).
 *
 * @param interceptors The interceptors, first to last.
 * @param options Error handling.
 * @returns The chain.
 * @example
 * ```ts
 * import { createInterceptorChain } from "./chain.ts";
 * const chain = createInterceptorChain([() => ({ action: "drop" })]);
 * const out = await chain.run({
 *   direction: "server-to-client", receivedAt: Date.now(),
 *   message: { jsonrpc: "2.0", method: "notifications/message", params: {} },
 * });
 * console.assert(out.type === "drop");
 * ```
 */
export function createInterceptorChain(
  interceptors: readonly Interceptor[] | (() => readonly Interceptor[]),
  options: InterceptorChainOptions = {},
): InterceptorChain {
  const list = typeof interceptors === "function" ? interceptors : () => interceptors;
  const errorHandler = options.errorHandler ?? _defaultErrorHandler;
  return {
    async run(envelope: Intercepted): Promise<ChainOutcome> {
      let message = envelope.message;
      const inject: Injection[] = [];
      const chain = list();
      for (let i = 0; i < chain.length; i++) {
        const view: Intercepted = message === envelope.message ? envelope : { ...envelope, message };
        let action: InterceptAction | void | undefined;
        try {
          const returned = chain[i]!(view);
          action = returned instanceof Promise ? await returned : returned;
          if (action !== undefined && !_isAction(action)) {
            throw new TypeError(`unknown action ${JSON.stringify((action as { action?: unknown }).action)}`);
          }
        } catch (error) {
          options.onError?.(error);
          try {
            action = errorHandler(error, view, i);
          } catch (inner) {
            options.onError?.(inner);
            action = _defaultErrorHandler(error, view, i);
          }
        }
        if (!action) continue;
        if (action.inject) inject.push(...action.inject);
        switch (action.action) {
          case "continue":
            if (action.message) message = action.message;
            break;
          case "delay":
            if (action.ms > 0) await sleep(action.ms);
            break;
          case "respond":
            if (isRequest(message)) {
              return { type: "answer", reply: { jsonrpc: "2.0", id: message.id, result: action.result }, inject };
            }
            break;
          case "drop":
            if (isNotification(message)) return { type: "drop", inject };
            return _block(message, { code: BLOCKED_CODE, message: "Dropped by interceptor" }, inject);
          case "block":
            return _block(message, action.error, inject);
        }
      }
      return { type: "forward", message, inject };
    },
  };
}

function _block(
  message: JsonRpcMessage,
  error: Partial<JsonRpcErrorObject> | undefined,
  inject: Injection[],
): ChainOutcome {
  const code = typeof error?.code === "number" ? error.code : BLOCKED_CODE;
  const text = typeof error?.message === "string" ? error.message : "Blocked by interceptor";
  if (isRequest(message)) {
    return { type: "answer", reply: errorResponse(message.id, code, text, error?.data), inject };
  }
  if (isResponse(message) && "id" in message && message.id !== undefined) {
    return { type: "forward", message: errorResponse(message.id, code, text, error?.data), inject };
  }
  return { type: "drop", inject };
}

const _ACTIONS = new Set(["continue", "block", "respond", "drop", "delay"]);

function _isAction(value: unknown): value is InterceptAction {
  return typeof value === "object" && value !== null && _ACTIONS.has((value as { action?: string }).action!);
}

function _defaultErrorHandler(error: unknown, _envelope: Readonly<Intercepted>, index: number): InterceptAction {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    action: "block",
    error: { code: ErrorCode.InternalError, message: `Interceptor ${index} failed: ${reason}` },
  };
}
