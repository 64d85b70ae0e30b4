/**
 * Replaying a recorded `initialize` handshake on a fresh upstream connection (transparent re-initialization,
 * T-SESS-07): the request goes out under a proxy-owned id, its InitializeResult is consumed here (it never
 * reaches the client), then the recorded `notifications/initialized` follows.
 *
 * @module
 */
import { withDeadline } from "../kit/deadline.ts";
import type { JsonRpcNotification, JsonRpcRequest } from "../jsonrpc/types.ts";
import { isResponse } from "../jsonrpc/types.ts";
import { type UpstreamConnection, UpstreamUnavailableError } from "./types.ts";

/** What to replay. */
export interface ReplayInitializeOptions {
  /** The client's `initialize` request (its id is replaced). */
  initialize: JsonRpcRequest;
  /** The client's `notifications/initialized`, when it had sent it. */
  initialized?: JsonRpcNotification;
  /** The headers the client's initialize carried (e.g. `Authorization`). */
  headers?: Headers;
  /** Time allowed for the InitializeResult, in ms. */
  timeoutMs: number;
}

let _counter = 0;

/**
 * A request id that cannot collide with a client's: a prefix no client uses, a counter and random bits.
 *
 * @example
 * ```ts
 * import { proxyRequestId } from "./replay_initialize.ts";
 * console.assert(proxyRequestId("reinit").startsWith("mcpwire-reinit-"));
 * ```
 */
export function proxyRequestId(purpose: string): string {
  const random = crypto.getRandomValues(new Uint32Array(2)).join("");
  return `mcpwire-${purpose}-${++_counter}-${random}`;
}

/**
 * Initializes `connection` with the recorded handshake.
 *
 * @returns The InitializeResult's `result`.
 * @throws {UpstreamUnavailableError} When the upstream refuses, fails or does not answer in time.
 * @example
 * ```ts ignore
 * await replayInitialize(upstream.connect(), { initialize, initialized, timeoutMs: 15_000 });
 * ```
 */
export async function replayInitialize(
  connection: UpstreamConnection,
  options: ReplayInitializeOptions,
): Promise<unknown> {
  const request: JsonRpcRequest = { ...options.initialize, id: proxyRequestId("reinit") };
  const context = options.headers ? { headers: options.headers } : {};
  // One deadline for the whole handshake: the initialize and the notification after it.
  const until = Date.now() + options.timeoutMs;
  const inTime = <T>(work: Promise<T>) =>
    withDeadline(work, Math.max(1, until - Date.now()), {
      onTimeout: () => {
        throw new UpstreamUnavailableError(`The upstream did not answer initialize within ${options.timeoutMs} ms`);
      },
    });
  const result = await inTime(_initialize(connection, request, context));
  if (options.initialized) {
    const reply = await inTime(connection.send([options.initialized], context));
    if (reply.type === "http") {
      await reply.response.body?.cancel().catch(() => {});
      if (!reply.response.ok) {
        throw new UpstreamUnavailableError(
          `The upstream refused notifications/initialized (HTTP ${reply.response.status})`,
        );
      }
    }
    if (reply.type === "messages") await reply.messages.cancel().catch(() => {});
  }
  return result;
}

async function _initialize(
  connection: UpstreamConnection,
  request: JsonRpcRequest,
  context: { headers?: Headers },
): Promise<unknown> {
  const reply = await connection.send([request], context);
  if (reply.type === "http") {
    await reply.response.body?.cancel().catch(() => {});
    throw new UpstreamUnavailableError(`The upstream refused initialize (HTTP ${reply.response.status})`);
  }
  if (reply.type === "accepted") throw new UpstreamUnavailableError("The upstream did not answer initialize");
  for await (const { message } of reply.messages) {
    if (!isResponse(message) || !("id" in message) || message.id !== request.id) continue;
    if ("error" in message) {
      throw new UpstreamUnavailableError(`The upstream rejected initialize: ${message.error.message}`);
    }
    return message.result;
  }
  throw new UpstreamUnavailableError("The upstream ended the initialize stream without an answer");
}
