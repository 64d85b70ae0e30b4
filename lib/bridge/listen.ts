/**
 * `subscriptions/listen` for a 2025-era upstream: the bridged session's standalone stream (the upstream's
 * GET stream, or a stdio child's own messages) filtered to what the client subscribed to. The stream opens
 * with `notifications/subscriptions/acknowledged` naming the agreed filter, every notification carries the
 * listen request's id under `_meta["io.modelcontextprotocol/subscriptionId"]`, and each URI of
 * `resourceSubscriptions` becomes a `resources/subscribe` upstream (`resources/unsubscribe` when the
 * client closes the stream).
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcNotification, JsonRpcRequest } from "../jsonrpc/types.ts";
import type { BridgedSession } from "./session.ts";

/** The `_meta` key naming the listen request a notification belongs to. */
export const META_SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";

/** What a client subscribes to (2026-07-28 SubscriptionFilter). */
export interface SubscriptionFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

/**
 * Does `filter` let `notification` through?
 *
 * @example
 * ```ts
 * import { passes } from "./listen.ts";
 * console.assert(passes({ toolsListChanged: true }, { jsonrpc: "2.0", method: "notifications/tools/list_changed" }));
 * ```
 */
export function passes(filter: SubscriptionFilter, notification: JsonRpcNotification): boolean {
  switch (notification.method) {
    case "notifications/tools/list_changed":
      return filter.toolsListChanged === true;
    case "notifications/prompts/list_changed":
      return filter.promptsListChanged === true;
    case "notifications/resources/list_changed":
      return filter.resourcesListChanged === true;
    case "notifications/resources/updated": {
      const uri = (notification.params as { uri?: unknown } | undefined)?.uri;
      return typeof uri === "string" && (filter.resourceSubscriptions ?? []).includes(uri);
    }
    default:
      return false;
  }
}

/**
 * Serves one `subscriptions/listen` until the client closes the stream (`signal`).
 *
 * @example
 * ```ts ignore
 * await listenBridged(session, listenRequest, out, aborter.signal);
 * ```
 *
 * @param session The caller's bridged session.
 * @param request The listen request (its `params.notifications` is the filter).
 * @param out Where messages for the client go.
 */
export async function listenBridged(
  session: BridgedSession,
  request: JsonRpcRequest,
  out: (m: JsonRpcMessage) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const asked = ((request.params as { notifications?: SubscriptionFilter } | undefined)?.notifications) ?? {};
  const filter = _agreed(asked, session.initResult.capabilities as Record<string, Record<string, unknown>>);
  const stamp = (m: JsonRpcNotification): JsonRpcNotification => ({
    ...m,
    params: { ...(m.params as Record<string, unknown>), _meta: { [META_SUBSCRIPTION_ID]: request.id } },
  });
  let chain = Promise.resolve();
  const remove = session.subscribe((m) => {
    if ("id" in m || !("method" in m) || !passes(filter, m)) return;
    chain = chain.then(() => out(stamp(m))).catch(() => {});
  });
  await out(
    stamp({ jsonrpc: "2.0", method: "notifications/subscriptions/acknowledged", params: { notifications: filter } }),
  );
  for (const uri of filter.resourceSubscriptions ?? []) await _resource(session, "resources/subscribe", uri);
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
  remove();
  for (const uri of filter.resourceSubscriptions ?? []) await _resource(session, "resources/unsubscribe", uri);
}

/** The filter the upstream can honour: list-changed kinds it declares, resource subscriptions if `subscribe`. */
function _agreed(asked: SubscriptionFilter, caps: Record<string, Record<string, unknown>> | undefined) {
  const agreed: SubscriptionFilter = {};
  if (asked.toolsListChanged && caps?.tools?.listChanged) agreed.toolsListChanged = true;
  if (asked.promptsListChanged && caps?.prompts?.listChanged) agreed.promptsListChanged = true;
  if (asked.resourcesListChanged && caps?.resources?.listChanged) agreed.resourcesListChanged = true;
  if (asked.resourceSubscriptions?.length && caps?.resources?.subscribe) {
    agreed.resourceSubscriptions = asked.resourceSubscriptions.filter((u) => typeof u === "string");
  }
  return agreed;
}

async function _resource(session: BridgedSession, method: string, uri: string): Promise<void> {
  const reply = await session.send({ jsonrpc: "2.0", id: session.nextId(), method, params: { uri } }).catch(() =>
    undefined
  );
  if (reply?.type === "messages") await reply.messages.cancel().catch(() => {});
  if (reply?.type === "http") await reply.response.body?.cancel().catch(() => {});
}
