/**
 * POST on the Streamable HTTP endpoint: body checks, `initialize` (a new session), and forwarding messages
 * upstream through the session core, with the reply framed as JSON or as a resumable SSE stream.
 *
 * @module
 */
import type { JsonRpcRequest } from "../jsonrpc/types.ts";
import { ErrorCode, isRequest } from "../jsonrpc/types.ts";
import { parseBody } from "../jsonrpc/parse.ts";
import { SESSION_ID_HEADER } from "../protocol/headers.ts";
import { isRevision, rulesFor, STATELESS_REVISIONS } from "../protocol/revisions.ts";
import { type UpstreamReply, UpstreamUnavailableError } from "../upstream/types.ts";
import { Channel } from "../session/channel.ts";
import type { LiveSession } from "../session/live_session.ts";
import { openSession } from "../session/open.ts";
import { HttpError, jsonResponse } from "./errors.ts";
import { checkPostHeaders, readBody } from "./negotiate.ts";
import { callerOf } from "../security/caller.ts";
import {
  channelOptions,
  checkSessionCaller,
  checkVersionHeader,
  type EndpointContext,
  sessionFor,
  upstreamHeaders,
} from "./context.ts";
import { relay, sseHeaders } from "./responses.ts";
import { handleModernPost, isModernPost } from "./modern_post.ts";
import { StoreUnavailableError } from "../session/registry.ts";

/**
 * POST: one message or (2025-03-26) a batch. Notifications and responses only → 202 (T-POST-03); requests
 * → JSON when the upstream answered JSON, else an SSE stream (T-POST-05).
 */
export async function handlePost(ctx: EndpointContext, request: Request): Promise<Response> {
  checkPostHeaders(request.headers);
  const parsed = parseBody(await readBody(request, ctx.maxBodyBytes, ctx.bodyTimeoutMs));
  if (!parsed.ok) {
    throw new HttpError(
      parsed.error.code === ErrorCode.ParseError ? "parse_error" : "invalid_request",
      parsed.error.message,
    );
  }
  const { messages, batch } = parsed;
  // T-BC-04: one endpoint, both eras. A 2026-07-28 request is handled statelessly; initialize starts a session.
  const single = messages[0]!;
  if (!batch && isModernPost(request.headers, single)) return await handleModernPost(ctx, request, single);
  const init = messages.find((m): m is JsonRpcRequest => isRequest(m) && m.method === "initialize");
  if (init) {
    if (batch) throw new HttpError("invalid_request", "Invalid Request: initialize must not be part of a batch");
    const existing = request.headers.get(SESSION_ID_HEADER);
    if (existing !== null) {
      checkSessionCaller(request, await ctx.core.registry.ownerOf(existing));
      if (await ctx.core.registry.get(existing)) {
        throw new HttpError("already_initialized", "Invalid Request: the session is already initialized");
      }
      throw new HttpError("session_not_found", "Session not found");
    }
    if (ctx.modernOnly) {
      // T-LIFE-05: a modern-only endpoint names the versions it serves.
      throw new HttpError(
        "unsupported_protocol_version",
        `Unsupported protocol version: this endpoint serves only ${STATELESS_REVISIONS.join(", ")}`,
        {},
        { id: init.id, data: { supported: [...STATELESS_REVISIONS], requested: _requested(init) } },
      );
    }
    return await initialize(ctx, request, init);
  }
  const session = await sessionFor(ctx, request);
  checkVersionHeader(request, session);
  if (batch && !session.rules.batching) {
    throw new HttpError(
      "invalid_request",
      `Invalid Request: batches are not allowed in protocol revision ${session.record.revision}`,
    );
  }
  const replies = await ctx.core.send(session, messages, upstreamHeaders(request), batch);
  const requests = messages.filter(isRequest);
  if (requests.length === 0) {
    const failed = replies.find((r) => r.type === "http");
    if (failed) return relay(failed.response, session.record.id);
    return new Response(null, { status: 202, headers: { [SESSION_ID_HEADER]: session.record.id } });
  }
  if (!batch && replies[0]!.type === "http") return relay(replies[0]!.response, session.record.id);
  // JSON stays JSON (a batch's answers become one array, T-BATCH-01); anything streamed becomes SSE.
  const json = replies.every((r) => r.type === "accepted" || (r.type === "messages" && r.delivery === "complete"));
  if (json) return await jsonReply(ctx, session, replies, requests, batch);
  return await sseReply(ctx, session, requests, replies, session.rules.primingEvents);
}

function _requested(init: JsonRpcRequest): unknown {
  return (init.params as { protocolVersion?: unknown } | undefined)?.protocolVersion ?? null;
}

async function initialize(ctx: EndpointContext, request: Request, init: JsonRpcRequest): Promise<Response> {
  let opened;
  try {
    opened = await openSession(ctx.core, init, upstreamHeaders(request), callerOf(request).id);
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    throw new HttpError(
      "bad_gateway",
      error instanceof UpstreamUnavailableError ? error.message : "The upstream failed",
    );
  }
  if (opened.type === "http") return relay(opened.response, undefined);
  const { session, reply, settle } = opened;
  const requested = (init.params as { protocolVersion?: unknown } | undefined)?.protocolVersion;
  const priming = isRevision(requested) && rulesFor(requested).primingEvents;
  if (reply.type === "messages" && reply.delivery === "complete") {
    return await jsonReply(ctx, session, [reply], [init], false, settle);
  }
  return await sseReply(ctx, session, [init], [reply], priming, settle);
}

async function jsonReply(
  ctx: EndpointContext,
  session: LiveSession,
  replies: UpstreamReply[],
  requests: JsonRpcRequest[],
  asArray: boolean,
  settle?: () => Promise<void>,
): Promise<Response> {
  const out: unknown[] = [];
  let text: string | undefined;
  await ctx.core.deliver(session, replies, requests, "post", (message, data) => {
    out.push(message);
    text = data;
  }, false);
  await settle?.();
  if (out.length === 1 && !asArray && text !== undefined) {
    // One message whose text the upstream sent: passed on as it is (parsed once, never serialised again).
    return new Response(text, {
      status: 200,
      headers: { "content-type": "application/json", [SESSION_ID_HEADER]: session.record.id },
    });
  }
  const body = out.length === 1 && !asArray ? out[0] : out;
  return jsonResponse(body, 200, { [SESSION_ID_HEADER]: session.record.id });
}

async function sseReply(
  ctx: EndpointContext,
  session: LiveSession,
  requests: JsonRpcRequest[],
  replies: UpstreamReply[],
  priming: boolean,
  settle?: () => Promise<void>,
): Promise<Response> {
  const channel = await Channel.create(session.record.id, channelOptions(ctx, priming));
  session.channels.set(channel.streamId, channel);
  const body = channel.attach();
  // One request with a priming event can be taken over by another instance if this one dies (issue 14).
  const first = ctx.flights.enabled && requests.length === 1 && !settle ? await channel.primingEventId : undefined;
  if (first !== undefined) await ctx.flights.begin(session.record, channel.streamId, requests[0]!, first);
  void (async () => {
    await ctx.core.deliver(session, replies, requests, "post", (message, data) => channel.send(message, data));
    await settle?.();
    await channel.end();
    session.channels.delete(channel.streamId);
    if (first !== undefined) await ctx.flights.end(session.record.id, channel.streamId);
  })();
  return new Response(body, { status: 200, headers: sseHeaders(session.record.id) });
}
