/**
 * One request of a 2025-era session bridged to a 2026-07-28 upstream: made self-contained (`_meta`,
 * mirrored headers, `Mcp-Param-*`, T-PV-06/09/11), sent on a connection of its own, and its multi-round-trip
 * answers (`InputRequiredResult`) turned into server→client requests on the client's stream, whose answers go
 * into the retried request (`inputResponses`), until the final result goes back as the response to the
 * client's original request. Modern error codes (−32020…−32022) become errors a 2025-era client understands.
 *
 * @module
 */
import type { JsonRpcId, JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from "../jsonrpc/types.ts";
import { ErrorCode, errorResponse, isRequest, isResponse } from "../jsonrpc/types.ts";
import { errorForHttpFailure } from "../kit/http_failure.ts";
import { forEachItem } from "../kit/streams.ts";
import type { SendContext, UpstreamMessage, UpstreamReply } from "./types.ts";
import { type BridgeState, modernRequest } from "./modern_bridge_state.ts";

/** The most rounds one request may take before the bridge gives up (a server that never stops asking). */
const MAX_ROUNDS = 8;

/** The client capability a server→client request needs (2025-era names). */
const NEEDS: Readonly<Record<string, string>> = {
  "sampling/createMessage": "sampling",
  "elicitation/create": "elicitation",
  "roots/list": "roots",
};

/** An `InputRequiredResult` (2026-07-28 MRTR). */
interface InputRequired {
  inputRequests?: Record<string, { method: string; params?: Record<string, unknown> }>;
  requestState?: string;
}

/**
 * The streamed reply to one bridged client request: every round's notifications (progress, logging), the
 * server→client requests the rounds need, then the final response.
 *
 * @param state The bridged session.
 * @param request The client's 2025-era request.
 * @param context The downstream call context (headers to forward).
 * @example
 * ```ts ignore
 * const reply = bridgedReply(state, { jsonrpc: "2.0", id: 1, method: "tools/list" });
 * ```
 */
export function bridgedReply(state: BridgeState, request: JsonRpcRequest, context?: SendContext): UpstreamReply {
  const aborter = new AbortController();
  const key = JSON.stringify(request.id);
  state.inflight.set(key, aborter);
  const messages = new ReadableStream<UpstreamMessage>({
    start(controller) {
      const put = (message: JsonRpcMessage) => {
        if (!aborter.signal.aborted) controller.enqueue({ message });
      };
      void _rounds(state, request, context, aborter.signal, put)
        .catch((error) => put(errorResponse(request.id, ErrorCode.UpstreamError, _text(error))))
        .finally(() => {
          state.inflight.delete(key);
          try {
            controller.close();
          } catch {
            // Already cancelled by the reader.
          }
        });
    },
    cancel: () => aborter.abort(),
  });
  return { type: "messages", delivery: "streamed", messages };
}

async function _rounds(
  state: BridgeState,
  request: JsonRpcRequest,
  context: SendContext | undefined,
  signal: AbortSignal,
  put: (message: JsonRpcMessage) => void,
): Promise<void> {
  let params = { ...(request.params as Record<string, unknown> | undefined) };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const modern = modernRequest(state, request.id, request.method, params);
    const headers = await state.headersFor(modern, context?.headers);
    const connection = state.inner.connect();
    state.observe("client-to-server", modern, "post");
    try {
      const reply = await connection.send([modern], { headers, signal, revision: "2026-07-28" });
      const input = await _relay(state, reply, request, put);
      if (input === undefined || signal.aborted) return;
      const answers = await _ask(state, request.id, input, put, signal);
      if (answers === undefined) return;
      params = { ...params, inputResponses: answers };
      if (typeof input.requestState === "string") params.requestState = input.requestState;
      else delete params.requestState;
    } catch (error) {
      if (!signal.aborted) put(errorResponse(request.id, ErrorCode.UpstreamError, _text(error)));
      return;
    } finally {
      await connection.close().catch(() => {});
    }
  }
  put(errorResponse(request.id, ErrorCode.InternalError, `The upstream asked for input more than ${MAX_ROUNDS} times`));
}

/** Relays one round's messages; returns the `InputRequiredResult` when the round asks for input. */
async function _relay(
  state: BridgeState,
  reply: UpstreamReply,
  request: JsonRpcRequest,
  put: (message: JsonRpcMessage) => void,
): Promise<InputRequired | undefined> {
  if (reply.type === "accepted") {
    put(errorResponse(request.id, ErrorCode.UpstreamError, "The upstream accepted the request without answering it"));
    return undefined;
  }
  if (reply.type === "http") {
    put(sessionError(await errorForHttpFailure(request.id, reply.response)));
    return undefined;
  }
  let input: InputRequired | undefined;
  await forEachItem(reply.messages, ({ message }) => {
    state.observe("server-to-client", message, "post");
    if (isResponse(message) && message.id === request.id) {
      const result = "result" in message ? message.result as Record<string, unknown> | null : undefined;
      if (result?.resultType === "input_required") return void (input = result as InputRequired);
      put(state.toSessionResponse(request, message));
    } else if (!isRequest(message)) {
      // T-POST-12: a modern server sends no independent requests; its notifications relate to this request.
      put(message);
    }
  });
  return input;
}

/** Asks the client every input request of one round; `undefined` when one could not be asked or answered. */
async function _ask(
  state: BridgeState,
  id: JsonRpcId,
  input: InputRequired,
  put: (message: JsonRpcMessage) => void,
  signal: AbortSignal,
): Promise<Record<string, unknown> | undefined> {
  const answers: Record<string, unknown> = {};
  for (const [key, asked] of Object.entries(input.inputRequests ?? {})) {
    const capability = NEEDS[asked.method];
    if (capability !== undefined && state.capabilities[capability] === undefined) {
      put(
        errorResponse(
          id,
          ErrorCode.InvalidRequest,
          `The server needs ${asked.method}, but the client did not declare the ${capability} capability`,
          { requiredCapabilities: { [capability]: {} } },
        ),
      );
      return undefined;
    }
    const answer = await state.ask(asked.method, asked.params, put, signal);
    if (answer === undefined) return undefined;
    if ("error" in answer) {
      put(errorResponse(id, answer.error.code, `The client refused ${asked.method}: ${answer.error.message}`));
      return undefined;
    }
    answers[key] = answer.result;
  }
  return answers;
}

/** The 2025-era codes the modern ones become, with what the client is told. */
const MODERN_ERRORS: Readonly<Record<number, [number, string]>> = {
  [ErrorCode.HeaderMismatch]: [
    ErrorCode.InternalError,
    "The 2026-07-28 upstream refused the bridged request's headers",
  ],
  [ErrorCode.MissingRequiredClientCapability]: [
    ErrorCode.InvalidRequest,
    "The 2026-07-28 upstream needs a client capability this session did not declare",
  ],
  [ErrorCode.UnsupportedProtocolVersion]: [
    ErrorCode.InternalError,
    "The upstream does not support the protocol revision mcpwire bridges to",
  ],
};

/**
 * A 2026-07-28 error made clear to a 2025-era client: −32020 (header mismatch) and −32022 (unsupported
 * version) become −32603, −32021 (missing capability) becomes −32600, each with the upstream's message and
 * its `data` kept under `data.upstream` (`data.modernCode` names the original code). Others pass unchanged.
 *
 * @example
 * ```ts
 * import { sessionError } from "./modern_bridge_rounds.ts";
 * const e = sessionError({ jsonrpc: "2.0", id: 1, error: { code: -32021, message: "needs sampling" } });
 * console.assert("error" in e && e.error.code === -32600);
 * ```
 */
export function sessionError(response: JsonRpcResponse): JsonRpcResponse {
  if (!("error" in response)) return response;
  const mapped = MODERN_ERRORS[response.error.code];
  if (mapped === undefined) return response;
  const data = { modernCode: response.error.code, upstream: response.error.data ?? null };
  return errorResponse(response.id, mapped[0], `${mapped[1]}: ${response.error.message}`, data);
}

function _text(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
