/**
 * POST on the Streamable HTTP endpoint: body checks, `initialize` (a new session), and forwarding messages
 * upstream with the reply as JSON or as a resumable SSE stream.
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import { ErrorCode, errorResponse, isRequest, isResponse } from "../jsonrpc/types.ts";
import { parseBody } from "../jsonrpc/parse.ts";
import { SESSION_ID_HEADER } from "../protocol/headers.ts";
import { isRevision, negotiateRevision, rulesFor } from "../protocol/revisions.ts";
import type { UpstreamMessage, UpstreamReply } from "../upstream/types.ts";
import { streamOf, UpstreamUnavailableError } from "../upstream/types.ts";
import { Channel } from "../session/channel.ts";
import { HttpError, jsonResponse } from "./errors.ts";
import { checkPostHeaders, readBody } from "./negotiate.ts";
import { LiveSession, mintSessionId } from "../session/registry.ts";
import {
  channelOptions,
  checkVersionHeader,
  type EndpointContext,
  observer,
  sessionFor,
  upstreamHeaders,
} from "./context.ts";
import { forEachItem, relay, sseHeaders, tap } from "./responses.ts";

/**
 * POST: one message or (2025-03-26) a batch. Notifications and responses only → 202 (T-POST-03); requests
 * → JSON when the upstream answered JSON, else an SSE stream (T-POST-05).
 */
export async function handlePost(ctx: EndpointContext, request: Request): Promise<Response> {
  checkPostHeaders(request.headers);
  const parsed = parseBody(await readBody(request, ctx.maxBodyBytes));
  if (!parsed.ok) {
    throw new HttpError(
      parsed.error.code === ErrorCode.ParseError ? "parse_error" : "invalid_request",
      parsed.error.message,
    );
  }
  const { messages, batch } = parsed;
  const init = messages.find((m): m is JsonRpcRequest => isRequest(m) && m.method === "initialize");
  if (init) {
    if (batch) throw new HttpError("invalid_request", "Invalid Request: initialize must not be part of a batch");
    const existing = request.headers.get(SESSION_ID_HEADER);
    if (existing !== null) {
      if (await ctx.registry.get(existing)) {
        throw new HttpError("already_initialized", "Invalid Request: the session is already initialized");
      }
      throw new HttpError("session_not_found", "Session not found");
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
  const c2s = observer(ctx, session, "client-to-server", "post");
  for (const m of messages) c2s?.(m);
  const headers = upstreamHeaders(request);
  const requests = messages.filter(isRequest);
  // A batch is sent message by message: every upstream revision accepts single messages (T-POST-01).
  const replies: UpstreamReply[] = [];
  for (const group of batch ? messages.map((m) => [m]) : [messages]) {
    const reply = await sendUpstream(ctx, session, group, headers);
    const member = group[0]!;
    if (batch && reply.type === "http" && isRequest(member)) {
      // Inside a batch an HTTP failure of one request becomes that request's JSON-RPC error.
      await reply.response.body?.cancel().catch(() => {});
      const error = errorResponse(
        member.id,
        ErrorCode.UpstreamError,
        `The upstream answered HTTP ${reply.response.status}`,
      );
      replies.push({ type: "messages", format: "json", messages: streamOf([{ message: error }]) });
    } else {
      replies.push(reply);
    }
  }
  if (requests.length === 0) {
    const failed = replies.find((r) => r.type === "http");
    if (failed) return relay(failed.response, session.record.id);
    return new Response(null, { status: 202, headers: { [SESSION_ID_HEADER]: session.record.id } });
  }
  if (!batch && replies[0]!.type === "http") return relay(replies[0]!.response, session.record.id);
  // JSON stays JSON (a batch's answers become one array, T-BATCH-01); anything streamed becomes SSE.
  const streams = replies.flatMap((r) => (r.type === "messages" && r.format === "json" ? [r.messages] : []));
  if (
    streams.length > 0 && replies.every((r) => r.type === "accepted" || (r.type === "messages" && r.format === "json"))
  ) {
    return await jsonReply(ctx, session, streams, batch);
  }
  return await sseReply(ctx, session, requests, replies, session.rules.primingEvents);
}

async function sendUpstream(
  ctx: EndpointContext,
  session: LiveSession,
  messages: JsonRpcMessage[],
  headers: Headers,
): Promise<UpstreamReply> {
  try {
    return await session.upstream.send(messages, {
      headers,
      sessionId: session.record.id,
      revision: session.record.revision,
    });
  } catch (error) {
    ctx.report(error);
    const message = error instanceof UpstreamUnavailableError ? error.message : "The upstream failed";
    const requests = messages.filter(isRequest);
    if (requests.length === 0) return { type: "http", response: new HttpError("bad_gateway", message).toResponse() };
    return {
      type: "messages",
      format: "json",
      messages: streamOf(requests.map((r) => ({ message: errorResponse(r.id, ErrorCode.UpstreamError, message) }))),
    };
  }
}

async function initialize(ctx: EndpointContext, request: Request, init: JsonRpcRequest): Promise<Response> {
  const connection = ctx.upstream.connect();
  const requested = (init.params as { protocolVersion?: unknown } | undefined)?.protocolVersion;
  const now = Date.now();
  const session = new LiveSession(
    { id: mintSessionId(), revision: negotiateRevision(requested), initialize: init, createdAt: now, lastSeenAt: now },
    connection,
  );
  observer(ctx, session, "client-to-server", "post")?.(init);
  let reply: UpstreamReply;
  try {
    reply = await connection.send([init], {
      headers: upstreamHeaders(request),
      sessionId: session.record.id,
      revision: session.record.revision,
    });
  } catch (error) {
    ctx.report(error);
    await connection.close().catch(() => {});
    const message = error instanceof UpstreamUnavailableError ? error.message : "The upstream failed";
    throw new HttpError("bad_gateway", message);
  }
  if (reply.type !== "messages") {
    await connection.close().catch(() => {});
    if (reply.type === "http") return relay(reply.response, undefined);
    throw new HttpError("bad_gateway", "The upstream accepted initialize without answering it");
  }
  // The negotiated revision is the one the upstream answered with (when mcpwire knows it).
  let succeeded = false;
  const messages = tap(reply.messages, (m) => {
    if (isResponse(m) && m.id === init.id && "result" in m) {
      succeeded = true;
      const v = (m.result as { protocolVersion?: unknown } | null)?.protocolVersion;
      if (isRevision(v) && rulesFor(v).sessions) session.record.revision = v;
    }
  });
  await ctx.registry.add(session);
  // A failed initialize leaves no session behind; a successful one is stored with its final revision.
  const settle = () => succeeded ? ctx.registry.save(session) : ctx.registry.close(session, "deleted");
  const priming = isRevision(requested) && rulesFor(requested).primingEvents;
  if (reply.format === "json") return await jsonReply(ctx, session, [messages], false, settle);
  return await sseReply(ctx, session, [init], [{ ...reply, messages }], priming, settle);
}

async function jsonReply(
  ctx: EndpointContext,
  session: LiveSession,
  streams: ReadableStream<UpstreamMessage>[],
  asArray: boolean,
  settle?: () => Promise<void>,
): Promise<Response> {
  const s2c = observer(ctx, session, "server-to-client", "post");
  const out: JsonRpcMessage[] = [];
  for (const messages of streams) {
    await forEachItem(messages, ({ message, eventId }) => {
      s2c?.(message, eventId);
      out.push(message);
    });
  }
  await settle?.();
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
  const s2c = observer(ctx, session, "server-to-client", "post");
  const pending = new Set(requests.map((r) => r.id));
  void (async () => {
    const pumps = replies.map(async (reply) => {
      if (reply.type === "accepted") return;
      if (reply.type === "http") {
        // Only a notification of a batch can still fail this way: it has no response to carry the error.
        await reply.response.body?.cancel().catch(() => {});
        return;
      }
      try {
        await forEachItem(reply.messages, async ({ message, eventId }) => {
          if (isResponse(message) && "id" in message && message.id != null) pending.delete(message.id);
          const id = await channel.send(message);
          s2c?.(message, eventId, id);
        });
      } catch (error) {
        ctx.report(error);
      }
    });
    await Promise.all(pumps);
    // The client never hangs: a response that did not come gets an error (users.md item 15).
    for (const id of pending) {
      const message = errorResponse(id, ErrorCode.UpstreamError, "The upstream ended the stream without a response");
      s2c?.(message, undefined, await channel.send(message));
    }
    await settle?.();
    await channel.end();
    session.channels.delete(channel.streamId);
  })();
  return new Response(body, { status: 200, headers: sseHeaders(session.record.id) });
}
