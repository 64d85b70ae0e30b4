/**
 * Taking over an orphaned request stream (issue 14): the instance that held it died before the answer was
 * complete, so this instance sends the request again on its own upstream connection (the same upstream
 * session for an HTTP upstream; a child re-initialized from the recorded `initialize` for stdio) and appends
 * the answer to the same stream in the shared event store, where the client's resumption (T-RES-02) reads it.
 * No event reaches the client twice: progress notifications up to the highest progress the stream already
 * carried are dropped, and the request goes out under a proxy-owned id mapped back to the client's, so the
 * response is the client's exactly once (T-RES-04). The request runs again upstream: at-least-once execution,
 * as docs/deploy.md says.
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import { isResponse } from "../jsonrpc/types.ts";
import { proxyRequestId } from "../upstream/replay_initialize.ts";
import type { UpstreamMessage, UpstreamReply } from "../upstream/types.ts";
import type { EventStore } from "../stores/event_store.ts";
import type { SessionCore } from "./core.ts";
import type { Flight } from "./flights.ts";
import type { LiveSession } from "./live_session.ts";

/**
 * Sends `flight.request` again for `session` and appends its answer to `streamId`, without what the stream
 * already carried.
 *
 * @throws {Error} When the event store fails; upstream failures become the request's JSON-RPC error.
 * @example
 * ```ts ignore
 * await takeOver(core, events, session, streamId, flight);
 * ```
 */
export async function takeOver(
  core: SessionCore,
  events: EventStore,
  session: LiveSession,
  streamId: string,
  flight: Flight,
): Promise<void> {
  const sessionId = session.record.id;
  const carried = await events.replayAfter(sessionId, flight.firstEventId);
  const messages = carried.type === "found" ? carried.events.flatMap((e) => (e.message ? [e.message] : [])) : [];
  if (messages.some(isResponse)) return;
  let highest = Math.max(-Infinity, ...messages.map(_progressOf).filter((p) => p !== undefined));
  const proxyId = proxyRequestId("takeover");
  const again: JsonRpcRequest = { ...flight.request, id: proxyId };
  const replies = await core.send(session, [again], new Headers(), false);
  const mapped = replies.map((reply): UpstreamReply => {
    if (reply.type !== "messages") return reply;
    const keep = new TransformStream<UpstreamMessage, UpstreamMessage>({
      transform(item, controller) {
        const progress = _progressOf(item.message);
        if (progress !== undefined) {
          if (progress <= highest) return;
          highest = progress;
        }
        if (isResponse(item.message) && item.message.id === proxyId) {
          controller.enqueue({ message: { ...item.message, id: flight.request.id } });
        } else controller.enqueue(item);
      },
    });
    return { ...reply, messages: reply.messages.pipeThrough(keep) };
  });
  await core.deliver(session, mapped, [flight.request], "post", (message, data) => {
    return events.append(sessionId, streamId, message, data);
  });
}

function _progressOf(message: JsonRpcMessage): number | undefined {
  if (!("method" in message) || message.method !== "notifications/progress") return undefined;
  const progress = (message.params as { progress?: unknown } | undefined)?.progress;
  return typeof progress === "number" ? progress : undefined;
}
