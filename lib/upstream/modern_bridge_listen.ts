/**
 * The standalone GET stream of a 2025-era session bridged to a 2026-07-28 upstream: a `subscriptions/listen`
 * request held open upstream, subscribed to the list-changed notifications the upstream's capabilities offer
 * and to the resources the client subscribed to (`resources/subscribe`), re-opened when the subscriptions
 * change or the upstream ends it. Its notifications go to the session's GET stream, whose channel writes every
 * event into mcpwire's event store first, so the client resumes with `Last-Event-ID` (T-RES-02) although the
 * upstream keeps no events.
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import { isNotification } from "../jsonrpc/types.ts";
import { sleep } from "../kit/deadline.ts";
import { forEachItem } from "../kit/streams.ts";
import type { UpstreamMessage } from "./types.ts";
import { type BridgeState, modernRequest } from "./modern_bridge_state.ts";

/** Pause before re-opening a listen stream the upstream ended or refused, in ms. */
const REOPEN_MS = 500;

/** Notifications of the listen stream that concern the bridge only. */
const OWN = new Set(["notifications/subscriptions/acknowledged", "notifications/cancelled"]);

/**
 * The `subscriptions/listen` filter for the session: what the upstream's capabilities offer, plus the
 * client's resource subscriptions.
 *
 * @example
 * ```ts ignore
 * listenFilter(state); // { toolsListChanged: true }
 * ```
 */
export function listenFilter(state: BridgeState): Record<string, unknown> {
  const caps = (state.discovered.capabilities ?? {}) as Record<string, { listChanged?: boolean; subscribe?: boolean }>;
  const filter: Record<string, unknown> = {};
  if (caps.tools?.listChanged) filter.toolsListChanged = true;
  if (caps.prompts?.listChanged) filter.promptsListChanged = true;
  if (caps.resources?.listChanged) filter.resourcesListChanged = true;
  if (state.subscriptions.size > 0) filter.resourceSubscriptions = [...state.subscriptions];
  return filter;
}

/**
 * The session's standalone stream: notifications of the upstream's listen stream until `closing` aborts.
 *
 * @param state The bridged session.
 * @param closing Aborted when the session's connection closes.
 * @example
 * ```ts ignore
 * const stream = bridgedListen(state, closing.signal);
 * ```
 */
export function bridgedListen(state: BridgeState, closing: AbortSignal): ReadableStream<UpstreamMessage> {
  const stop = new AbortController();
  const onClose = () => stop.abort();
  closing.addEventListener("abort", onClose, { once: true });
  return new ReadableStream<UpstreamMessage>({
    start(controller) {
      const put = (message: JsonRpcMessage) => {
        if (!stop.signal.aborted) controller.enqueue({ message });
      };
      void _follow(state, stop.signal, put).finally(() => {
        closing.removeEventListener("abort", onClose);
        try {
          controller.close();
        } catch {
          // Cancelled by the reader.
        }
      });
    },
    cancel: () => stop.abort(),
  });
}

/**
 * Keeps one listen open for the session. When the subscriptions change, the next listen is opened first and
 * the previous one ends only once the next is acknowledged ("make before break"): no notification falls
 * into a gap between the two. A notification both carry in that overlap reaches the client twice; the ones
 * that can (list-changed, resources/updated) say "look again", so a repeat is harmless where a loss is not.
 */
async function _follow(state: BridgeState, stop: AbortSignal, put: (message: JsonRpcMessage) => void): Promise<void> {
  let round = 0;
  let previous: AbortController | undefined;
  let pending: (() => void)[] = [];
  while (!stop.aborted) {
    const current = new AbortController();
    const onStop = () => current.abort();
    stop.addEventListener("abort", onStop, { once: true });
    const changed = new AbortController();
    let acknowledge = () => {};
    const acknowledged = new Promise<void>((resolve) => (acknowledge = resolve));
    // Whoever changed the subscriptions before this listen waits until it is acknowledged.
    const waiting = pending;
    pending = [];
    void acknowledged.then(() => waiting.forEach((resolve) => resolve()));
    state.onSubscriptionsChanged = () =>
      new Promise<void>((resolve) => {
        pending.push(resolve);
        changed.abort();
      });
    const done = _listenOnce(state, `mcpwire-listen-${++round}`, current.signal, put, acknowledge)
      .finally(() => stop.removeEventListener("abort", onStop));
    const before = previous;
    void Promise.race([acknowledged, done]).then(() => before?.abort());
    const outcome = await Promise.race([done, _aborted(changed.signal)]);
    if (outcome === "changed") {
      previous = current;
      continue;
    }
    previous = undefined;
    acknowledge();
    if (!stop.aborted) await sleep(outcome ? REOPEN_MS : REOPEN_MS * 4, stop).catch(() => {});
  }
  for (const resolve of pending) resolve();
}

/** Resolves `"changed"` once `signal` aborts. */
function _aborted(signal: AbortSignal): Promise<"changed"> {
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve("changed"), { once: true }));
}

/** One listen request, until it ends or `signal` aborts; true when it was open (not refused). */
async function _listenOnce(
  state: BridgeState,
  id: string,
  signal: AbortSignal,
  put: (message: JsonRpcMessage) => void,
  acknowledged: () => void,
): Promise<boolean> {
  const request = modernRequest(state, id, "subscriptions/listen", { notifications: listenFilter(state) });
  const connection = state.inner.connect();
  state.observe("client-to-server", request, "get");
  try {
    const reply = await connection.send([request], { headers: await state.headersFor(request, undefined), signal });
    if (reply.type === "http") await reply.response.body?.cancel().catch(() => {});
    if (reply.type !== "messages") return false;
    await forEachItem(reply.messages, ({ message }) => {
      state.observe("server-to-client", message, "get");
      if (isNotification(message) && message.method === "notifications/subscriptions/acknowledged") acknowledged();
      if (isNotification(message) && !OWN.has(message.method)) put(message);
    });
    return true;
  } catch {
    return false;
  } finally {
    acknowledged();
    await connection.close().catch(() => {});
  }
}
