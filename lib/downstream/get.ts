/**
 * GET on the Streamable HTTP endpoint: the standalone GET stream and resumption with `Last-Event-ID`.
 *
 * @module
 */
import { LAST_EVENT_ID_HEADER } from "../protocol/headers.ts";
import { Channel, replayBody } from "../session/channel.ts";
import { tailBody } from "../session/tail.ts";
import type { StoredEvent } from "../stores/event_store.ts";
import { takeOver } from "../session/takeover.ts";
import { isResponse } from "../jsonrpc/types.ts";
import { HttpError } from "./errors.ts";
import { accepts } from "./negotiate.ts";
import type { LiveSession } from "../session/live_session.ts";
import { channelOptions, checkVersionHeader, type EndpointContext, sessionFor, upstreamHeaders } from "./context.ts";
import { relay, sseHeaders } from "./responses.ts";

/**
 * GET: the standalone stream (T-GET-01: SSE, or 405 when there is none), or with `Last-Event-ID` the
 * resumption of any stream of the session (T-RES-02/03).
 */
export async function handleGet(ctx: EndpointContext, request: Request): Promise<Response> {
  if (!ctx.getStream) {
    throw new HttpError("method_not_allowed", "Method Not Allowed: this endpoint has no GET stream", {
      allow: "POST, DELETE",
    });
  }
  if (!accepts(request.headers.get("accept"), "text/event-stream")) {
    throw new HttpError("not_acceptable", "Not Acceptable: Accept must list text/event-stream");
  }
  const session = await sessionFor(ctx, request);
  checkVersionHeader(request, session);
  const lastEventId = request.headers.get(LAST_EVENT_ID_HEADER);
  if (lastEventId !== null) return await resume(ctx, session, lastEventId, upstreamHeaders(request));
  return await standaloneResponse(ctx, session, upstreamHeaders(request));
}

/** The standalone stream, opened upstream when it is not yet; `replay` events are written first. */
async function standaloneResponse(
  ctx: EndpointContext,
  session: LiveSession,
  headers: Headers,
  replay?: StoredEvent[],
): Promise<Response> {
  if (!session.standalone) {
    session.opening ??= openStandalone(ctx, session, headers);
    const outcome = await session.opening;
    session.opening = undefined;
    if (outcome instanceof Response) return outcome;
  }
  const standalone = session.standalone;
  if (!standalone) {
    throw new HttpError("method_not_allowed", "Method Not Allowed: the upstream has no GET stream", {
      allow: "POST, DELETE",
    });
  }
  // A second GET replaces the first connection (docs/field-notes.md item 8); the old body ends cleanly.
  return new Response(standalone.attach(replay), {
    status: 200,
    headers: sseHeaders(session.record.id),
  });
}

async function openStandalone(
  ctx: EndpointContext,
  session: LiveSession,
  headers: Headers,
): Promise<Response | undefined> {
  if (session.standalone) return undefined;
  let listened;
  try {
    listened = await ctx.core.listen(session, headers);
  } catch (error) {
    throw new HttpError("bad_gateway", error instanceof Error ? error.message : "The upstream failed");
  }
  if (listened === null) {
    return new HttpError("method_not_allowed", "Method Not Allowed: the upstream has no GET stream", {
      allow: "POST, DELETE",
    }).toResponse();
  }
  if ("type" in listened) return relay(listened.response, session.record.id);
  const channel = await Channel.create(session.record.id, channelOptions(ctx, session.rules.primingEvents));
  session.standalone = channel;
  session.channels.set(channel.streamId, channel);
  void ctx.core.forward(session, listened, (message, data) => channel.send(message, data)).then(() => {
    // The upstream ended its GET stream: end ours, so the client may open a new one.
    if (session.standalone === channel) session.standalone = undefined;
    session.channels.delete(channel.streamId);
    return channel.end();
  });
  return undefined;
}

/** T-RES-02/03: replay the events after `lastEventId` of that same stream, then continue live. */
async function resume(
  ctx: EndpointContext,
  session: LiveSession,
  lastEventId: string,
  forwarded: Headers,
): Promise<Response> {
  const result = await ctx.events.replayAfter(session.record.id, lastEventId);
  if (result.type === "unknown") {
    throw new HttpError("bad_last_event_id", "Bad Request: unknown Last-Event-ID for this session");
  }
  if (result.type === "evicted") {
    throw new HttpError("bad_last_event_id", "Bad Request: the events after this Last-Event-ID were evicted");
  }
  ctx.onReplay?.(result.events.length);
  const channel = session.channels.get(result.streamId);
  const headers = sseHeaders(session.record.id);
  if (channel) return new Response(channel.attach(result.events), { status: 200, headers });
  // The stream already ended: replay what is left of it, then close.
  if (result.events.some((e) => e.message !== null && isResponse(e.message))) {
    return new Response(replayBody(result.events), { status: 200, headers });
  }
  // No flight record: not a request stream, so the standalone stream of an instance that is gone (a live one
  // would hold the client's connection). It goes on here: replayed, then this instance's standalone stream.
  if (ctx.flights.enabled && !(await ctx.flights.has(session.record.id, result.streamId))) {
    return await standaloneResponse(ctx, session, forwarded, result.events);
  }
  // Another instance holds it (shared store): replay, then follow what that instance appends.
  const tail = tailBody({
    store: ctx.events,
    sessionId: session.record.id,
    replay: result.events,
    lastEventId,
    keepAlive: ctx.keepAlive,
    ending: session.ending,
    whenQuiet: async () => {
      const flight = await ctx.flights.claimIfOrphaned(session.record, result.streamId);
      if (!flight) return;
      try {
        await takeOver(ctx.core, ctx.events, session, result.streamId, flight);
      } finally {
        await ctx.flights.end(session.record.id, result.streamId);
      }
    },
  });
  return new Response(tail, { status: 200, headers });
}
