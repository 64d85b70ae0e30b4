/**
 * POST of a 2026-07-28 request on the Streamable HTTP endpoint: stateless handling (T-BC-04). The request is
 * checked at the edge (`modern_checks.ts`), sent upstream as it is on a connection of its own
 * (`session/stateless.ts`), and its answer framed back as the upstream chose — JSON, SSE, 202 or the
 * upstream's own HTTP answer. No session id is minted or echoed (T-SESS-10), nothing goes into the event
 * store and `Last-Event-ID` is ignored (T-RES-07), and a client that closes the response stream cancels the
 * upstream request: its fetch is aborted, which closes the upstream's stream (T-POST-10).
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcNotification, JsonRpcRequest } from "../jsonrpc/types.ts";
import { isRequest } from "../jsonrpc/types.ts";
import { endToEndHeaders, PROTOCOL_VERSION_HEADER, SESSION_ID_HEADER } from "../protocol/headers.ts";
import { carriesRequestMetadata } from "../protocol/request_meta.ts";
import { isRevision, rulesFor } from "../protocol/revisions.ts";
import { sendStateless, type StatelessExchange } from "../session/stateless.ts";
import { closeSse, openSseBody, writeAndWait } from "../session/sse_connection.ts";
import { encodeEventBytes } from "../sse/encode.ts";
import { UpstreamUnavailableError } from "../upstream/types.ts";
import { callerOf } from "../security/caller.ts";
import { HttpError, jsonResponse } from "./errors.ts";
import { checkModernRequest } from "./modern_checks.ts";
import { type EndpointContext, upstreamHeaders } from "./context.ts";
import { sseHeaders } from "./responses.ts";

/**
 * Is this POST a 2026-07-28 one? Its single message carries `_meta` with a protocol version, or — with no
 * session id — its `MCP-Protocol-Version` names a stateless revision (then a missing `_meta` is reported as
 * such, T-PV-12). `initialize` never is: it starts a 2025 session (T-BC-04).
 *
 * @example
 * ```ts ignore
 * if (isModernPost(request.headers, message)) return await handleModernPost(ctx, request, message);
 * ```
 */
export function isModernPost(
  headers: Headers,
  message: JsonRpcMessage,
): message is JsonRpcRequest | JsonRpcNotification {
  if (!("method" in message) || message.method === "initialize") return false;
  if (carriesRequestMetadata(message)) return true;
  const version = headers.get(PROTOCOL_VERSION_HEADER);
  return !headers.has(SESSION_ID_HEADER) && isRevision(version) && rulesFor(version).requestMetadata;
}

/**
 * Handles a 2026-07-28 POST statelessly (see the module doc).
 *
 * @param ctx The endpoint's shared state (session core, era cache, keep-alive timer).
 * @param request The HTTP request (its body already read).
 * @param message The request or notification it carried.
 * A 2025-era upstream is bridged (`lib/bridge/`, docs/bridging.md): the request runs in a pooled upstream
 * session of its caller and declared client, answered as SSE (JSON for `server/discover`).
 *
 * @throws {HttpError} From the edge checks (400 with -32020, -32022 or -32602); `bad_gateway` (502) when
 *   the upstream cannot be reached.
 */
export async function handleModernPost(
  ctx: EndpointContext,
  request: Request,
  message: JsonRpcRequest | JsonRpcNotification,
): Promise<Response> {
  const revision = checkModernRequest(request.headers, message);
  const id = isRequest(message) ? { id: message.id } : {};
  if (ctx.era.era === "2025") return _bridged(ctx, request, message);
  const aborter = new AbortController();
  let exchange: StatelessExchange;
  try {
    exchange = await sendStateless(ctx.core, message, {
      headers: upstreamHeaders(request),
      revision,
      signal: aborter.signal,
      caller: callerOf(request).id,
    });
  } catch (error) {
    const text = error instanceof UpstreamUnavailableError ? error.message : "The upstream failed";
    throw new HttpError("bad_gateway", text, {}, id);
  }
  await ctx.era.learn(exchange.reply);
  if ((ctx.era.era as string) === "2025") {
    // The probe found a 2025-era upstream (T-BC-03): its refusal is not relayed, the request is bridged.
    await exchange.close();
    return _bridged(ctx, request, message);
  }
  const reply = exchange.reply;
  if (reply.type === "accepted") {
    await exchange.close();
    return new Response(null, { status: 202 });
  }
  if (reply.type === "http") return await _relayRefusal(exchange, reply.response);
  const requests = isRequest(message) ? [message] : [];
  if (reply.delivery === "complete") {
    const out: JsonRpcMessage[] = [];
    await ctx.core.deliver(exchange.scope, [reply], requests, "post", (m) => void out.push(m), false);
    await exchange.close();
    return jsonResponse(out.length === 1 ? out[0] : out, 200);
  }
  return _sseReply(ctx, exchange, requests, aborter);
}

/**
 * The upstream's HTTP answer (401, 400, 404 + -32601, …), relayed with its status and end-to-end headers
 * but never a session id (T-SESS-10). The body is read before the exchange is closed (closing aborts it).
 */
async function _relayRefusal(exchange: StatelessExchange, response: Response): Promise<Response> {
  const body = await response.arrayBuffer().catch(() => new ArrayBuffer(0));
  await exchange.close();
  const headers = endToEndHeaders(response.headers, [SESSION_ID_HEADER]);
  return new Response(body.byteLength > 0 ? body : null, { status: response.status, headers });
}

/**
 * An SSE response carrying the upstream's messages as they come, with backpressure and keep-alive comments
 * (T-CT-04, long `subscriptions/listen` streams). The client closing it aborts the upstream request.
 */
function _sseReply(
  ctx: EndpointContext,
  exchange: StatelessExchange,
  requests: JsonRpcRequest[],
  aborter: AbortController,
): Response {
  const { body, connection } = openSseBody(ctx.keepAlive, {
    cancel: () => {
      // T-POST-10: the client closed the stream; that is the cancellation. Stop the upstream work.
      aborter.abort();
      void exchange.close();
    },
  });
  const sink = async (m: JsonRpcMessage) => {
    if (connection.closed) return;
    await writeAndWait(connection, encodeEventBytes({ event: "message", data: JSON.stringify(m) }));
  };
  void (async () => {
    try {
      await ctx.core.deliver(exchange.scope, [exchange.reply], requests, "post", sink, true, aborter.signal);
    } finally {
      await exchange.close();
      closeSse(connection, ctx.keepAlive);
    }
  })();
  return new Response(body, { status: 200, headers: sseHeaders(undefined) });
}

/**
 * A 2026-07-28 message bridged to the 2025-era upstream (issue 13): `server/discover` and notifications
 * answered as JSON / 202, every other request as an SSE stream whose closing cancels the upstream request.
 */
async function _bridged(
  ctx: EndpointContext,
  request: Request,
  message: JsonRpcRequest | JsonRpcNotification,
): Promise<Response> {
  const aborter = new AbortController();
  if (!isRequest(message) || message.method === "server/discover") {
    const out: JsonRpcMessage[] = [];
    await ctx.bridge.handle(message, callerOf(request), (m) => Promise.resolve(void out.push(m)), aborter.signal);
    return out.length === 0 ? new Response(null, { status: 202 }) : jsonResponse(out[0], 200);
  }
  const { body, connection } = openSseBody(ctx.keepAlive, { cancel: () => aborter.abort() });
  const sink = async (m: JsonRpcMessage) => {
    if (connection.closed) return;
    await writeAndWait(connection, encodeEventBytes({ event: "message", data: JSON.stringify(m) }));
  };
  void ctx.bridge.handle(message, callerOf(request), sink, aborter.signal)
    .catch((error) => ctx.report(error))
    .finally(() => closeSse(connection, ctx.keepAlive));
  return new Response(body, { status: 200, headers: sseHeaders(undefined) });
}
