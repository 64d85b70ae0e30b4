/**
 * Opening a session with the client's `initialize` (the one path every client face takes, Streamable HTTP and
 * legacy HTTP+SSE): a new upstream connection, the revision negotiated (T-LIFE-01), a session id minted
 * (sealed or random), the session registered, and — once the reply was delivered — kept or ended by how
 * `initialize` went. The rest of a session's traffic goes through {@linkcode SessionCore} (core.ts).
 *
 * @module
 */
import type { JsonRpcRequest } from "../jsonrpc/types.ts";
import { isResponse } from "../jsonrpc/types.ts";
import { isRevision, negotiateRevision, rulesFor } from "../protocol/revisions.ts";
import { type UpstreamReply, UpstreamUnavailableError } from "../upstream/types.ts";
import { tap } from "../kit/streams.ts";
import type { SessionCore } from "./core.ts";
import { LiveSession } from "./live_session.ts";

/** What opening a session gave. */
export type Opened =
  /** The upstream refused `initialize` at the HTTP level (401 with a challenge, …): relay it; no session. */
  | { type: "http"; response: Response }
  /**
   * A session, registered, with the upstream's reply to `initialize` (deliver it). `settle` must be called
   * after the reply was delivered: it keeps the session when `initialize` succeeded and ends it otherwise.
   */
  | { type: "opened"; session: LiveSession; reply: UpstreamReply; settle: () => Promise<void> };

/**
 * Opens a session with the client's `initialize`: a new upstream connection, the revision negotiated
 * (T-LIFE-01; the upstream's answer decides when mcpwire knows it), the session registered. The client's
 * `initialize` is observed (client-to-server) before it goes upstream.
 *
 * @param core The endpoint's session core (its upstream stack, registry and observers).
 * @param init The client's `initialize` request.
 * @param headers End-to-end headers to forward upstream.
 * @param caller The id of the caller opening it (`callerOf`); the session is bound to it. @default "anonymous"
 * @throws {UpstreamUnavailableError} When the upstream cannot be reached or accepts `initialize` unanswered.
 * @throws {StoreUnavailableError} When the session store cannot register it (the upstream session is closed).
 * @example
 * ```ts ignore
 * const opened = await openSession(core, initialize, new Headers(), callerOf(request).id);
 * if (opened.type === "opened") {
 *   await core.deliver(opened.session, [opened.reply], [initialize], "post", (m) => console.log(m));
 *   await opened.settle();
 * }
 * ```
 */
export async function openSession(
  core: SessionCore,
  init: JsonRpcRequest,
  headers: Headers,
  caller = "anonymous",
): Promise<Opened> {
  const connection = core.upstream.connect();
  const requested = (init.params as { protocolVersion?: unknown } | undefined)?.protocolVersion;
  const now = Date.now();
  const revision = negotiateRevision(requested);
  const id = await core.registry.mintId({ revision, initialize: init, createdAt: now, caller });
  const session = new LiveSession(
    { id, revision, initialize: init, createdAt: now, lastSeenAt: now, caller },
    connection,
  );
  core.observer(session, "client-to-server", "post")?.(init);
  let reply: UpstreamReply;
  try {
    reply = await connection.send([init], {
      headers,
      sessionId: session.record.id,
      revision: session.record.revision,
      caller,
    });
  } catch (error) {
    core.report(error);
    await connection.close().catch(() => {});
    throw error instanceof UpstreamUnavailableError ? error : new UpstreamUnavailableError("The upstream failed");
  }
  if (reply.type !== "messages") {
    await connection.close().catch(() => {});
    if (reply.type === "http") return { type: "http", response: reply.response };
    throw new UpstreamUnavailableError("The upstream accepted initialize without answering it");
  }
  let succeeded = false;
  const messages = tap(reply.messages, (m) => {
    if (isResponse(m) && m.id === init.id && "result" in m) {
      succeeded = true;
      const v = (m.result as { protocolVersion?: unknown } | null)?.protocolVersion;
      if (isRevision(v) && rulesFor(v).sessions) session.record.revision = v;
    }
  });
  try {
    await core.registry.add(session);
  } catch (error) {
    // No store, no session (503 + Retry-After): the upstream session opened for it is closed again.
    await messages.cancel().catch(() => {});
    await connection.close().catch(() => {});
    throw error;
  }
  // A failed initialize leaves no session behind; a successful one is stored with its final revision.
  const settle = () => succeeded ? core.registry.save(session) : core.registry.close(session, "deleted");
  return { type: "opened", session, reply: { ...reply, messages }, settle };
}
