/**
 * The pending-response table: which request ids still wait for their response on a reply. Every reply path
 * uses it to know when a stream is complete and to give each request that never got its response a JSON-RPC
 * error instead of a hang (T-POST-05 "one response per request"; a client must never wait forever).
 *
 * @module
 */
import { errorResponse, isResponse, type JsonRpcError, type JsonRpcId, type JsonRpcMessage } from "../jsonrpc/types.ts";

/**
 * The requests of one reply that are still waiting.
 *
 * @example
 * ```ts
 * import { PendingResponses } from "./pending.ts";
 * const pending = new PendingResponses([1, 2]);
 * pending.settle({ jsonrpc: "2.0", id: 1, result: {} });
 * const [error] = pending.fail(-32003, "The upstream ended the stream without a response");
 * console.assert(pending.size === 0 && error!.id === 2);
 * ```
 */
export class PendingResponses {
  #ids: Set<JsonRpcId>;

  /** @param ids The ids of the requests whose responses are awaited. */
  constructor(ids: Iterable<JsonRpcId> = []) {
    this.#ids = new Set(ids);
  }

  /** How many requests still wait. */
  get size(): number {
    return this.#ids.size;
  }

  /** Does request `id` still wait? */
  has(id: JsonRpcId): boolean {
    return this.#ids.has(id);
  }

  /** Awaits one more request. */
  add(id: JsonRpcId): void {
    this.#ids.add(id);
  }

  /**
   * Takes note of `message`: a response (result or error) to a waiting request settles it.
   *
   * @returns `true` when `message` answered a waiting request.
   */
  settle(message: JsonRpcMessage): boolean {
    if (!isResponse(message) || !("id" in message) || message.id == null) return false;
    return this.#ids.delete(message.id);
  }

  /**
   * Gives up on every request still waiting: one error response each, and the table is emptied.
   *
   * @param code The JSON-RPC error code (an `ErrorCode`).
   * @param message Why, in one sentence.
   * @returns The error responses, in the order the requests were added.
   */
  fail(code: number, message: string): JsonRpcError[] {
    const errors = [...this.#ids].map((id) => errorResponse(id, code, message));
    this.#ids.clear();
    return errors;
  }

  /** The waiting ids, in the order they were added. */
  [Symbol.iterator](): IterableIterator<JsonRpcId> {
    return this.#ids.values();
  }
}
