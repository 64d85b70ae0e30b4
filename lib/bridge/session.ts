/**
 * One upstream 2025 session held by the bridge for one pool key (caller identity + declared clientInfo +
 * declared capabilities): opened with `initialize` + `notifications/initialized` on a connection of the
 * endpoint's upstream stack (the resilient layer replays that `initialize` when the upstream loses the
 * session, T-SESS-06), every message observed under the session's 2025 revision so a tape shows the
 * upstream hop next to the 2026-07-28 one.
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import { ErrorCode, errorResponse, isResponse } from "../jsonrpc/types.ts";
import type { SessionCore, StatelessScope } from "../session/core.ts";
import { mintSessionId } from "../session/session_id.ts";
import { isRevision, type Revision } from "../protocol/revisions.ts";
import type { UpstreamConnection, UpstreamMessage, UpstreamReply } from "../upstream/types.ts";
import { UpstreamUnavailableError } from "../upstream/types.ts";
import { BRIDGE_UPSTREAM_REVISION, bridgeInitialize, type DeclaredClient } from "./discover.ts";

/**
 * A session of the bridge's pool: one upstream 2025 session, used only by requests of one pool key.
 *
 * @example
 * ```ts ignore
 * const session = new BridgedSession(core, key, declaredClient(request));
 * await session.open(); // initialize + notifications/initialized; the standalone stream is read from now on
 * ```
 */
export class BridgedSession {
  readonly key: string;
  readonly client: DeclaredClient;
  /** Bridged calls reading their reply now (a server request on the standalone stream goes to the oldest). */
  readonly inflight = new Set<{ inject(request: JsonRpcRequest): void }>();
  /** The upstream's InitializeResult. */
  initResult: Record<string, unknown> = {};
  readonly #core: SessionCore;
  readonly #connection: UpstreamConnection;
  readonly #id = mintSessionId();
  #revision: Revision = BRIDGE_UPSTREAM_REVISION as Revision;
  #next = 0;
  readonly #hub = new Set<(m: JsonRpcMessage) => void>();

  constructor(core: SessionCore, key: string, client: DeclaredClient) {
    this.#core = core;
    this.key = key;
    this.client = client;
    this.#connection = core.upstream.connect();
  }

  /** The scope the upstream hop is observed under (the session's 2025 revision). */
  get scope(): StatelessScope {
    return { revision: this.#revision };
  }

  /** A fresh upstream request id (ids of different clients never collide upstream). */
  nextId(): string {
    return `mcpwire-bridge-${++this.#next}`;
  }

  /**
   * Opens the upstream session: `initialize` (the client's declared info and capabilities), then
   * `notifications/initialized`.
   *
   * @throws {UpstreamUnavailableError} When the upstream refuses or cannot be reached.
   */
  async open(): Promise<void> {
    const init = bridgeInitialize(this.nextId(), this.client);
    const reply = await this.send(init);
    const messages = reply.type === "messages" ? await _collect(reply.messages) : [];
    this.#observe(messages);
    const answer = messages.find((m) => isResponse(m) && m.id === init.id);
    if (!answer || !("result" in answer)) {
      throw new UpstreamUnavailableError("The upstream refused initialize from the era bridge");
    }
    this.initResult = answer.result as Record<string, unknown>;
    const v = this.initResult.protocolVersion;
    if (isRevision(v)) this.#revision = v;
    await this.notify({ jsonrpc: "2.0", method: "notifications/initialized" });
    void this.#pumpStandalone();
  }

  /** Sends one message upstream in this session, observed client-to-server. */
  async send(message: JsonRpcMessage, signal?: AbortSignal): Promise<UpstreamReply> {
    this.#core.observer(this.scope, "client-to-server", "post")?.(message);
    return await this.#connection.send([message], {
      sessionId: this.#id,
      revision: this.#revision,
      ...(signal ? { signal } : {}),
    });
  }

  /** Sends a notification or response upstream; its (empty) reply is discarded. */
  async notify(message: JsonRpcMessage): Promise<void> {
    const reply = await this.send(message).catch((error) => void this.#core.report(error));
    if (reply?.type === "http") await reply.response.body?.cancel().catch(() => {});
    if (reply?.type === "messages") this.#observe(await _collect(reply.messages));
  }

  /** Observes upstream messages server-to-client (the upstream hop of the tape). */
  observeIncoming(message: JsonRpcMessage, stream: "post" | "get" = "post"): void {
    this.#core.observer(this.scope, "server-to-client", stream)?.(message);
  }

  #observe(messages: JsonRpcMessage[]): void {
    for (const m of messages) this.observeIncoming(m);
  }

  /**
   * Adds a listener of the session's unsolicited notifications (the upstream's GET stream or a stdio
   * child's own messages). Returns the function that removes the listener.
   */
  subscribe(listener: (m: JsonRpcMessage) => void): () => void {
    this.#hub.add(listener);
    return () => this.#hub.delete(listener);
  }

  /**
   * Reads the standalone stream for the session's life: notifications go to the listeners, a server→client
   * request to the oldest call in flight (else it is refused: no modern request can carry it).
   */
  async #pumpStandalone(): Promise<void> {
    try {
      const stream = await this.#connection.listen({ sessionId: this.#id, revision: this.#revision });
      if (!stream || "type" in stream) return;
      for await (const { message } of stream) {
        this.observeIncoming(message, "get");
        if (!("method" in message && "id" in message)) {
          for (const listener of this.#hub) listener(message);
          continue;
        }
        const call = this.inflight.values().next().value;
        if (call) call.inject(message);
        else void this.notify(errorResponse(message.id, ErrorCode.MethodNotFound, _noCarrier(message.method)));
      }
    } catch (error) {
      this.#core.report(error);
    }
  }

  /** Ends the upstream session. */
  async close(): Promise<void> {
    await this.#connection.close().catch(() => {});
  }
}

async function _collect(stream: ReadableStream<UpstreamMessage>): Promise<JsonRpcMessage[]> {
  const out: JsonRpcMessage[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out;
    out.push(value.message);
  }
}

/** Why a server→client request outside any bridged request is refused. */
function _noCarrier(method: string): string {
  return `mcpwire's era bridge cannot forward ${method} outside a request: the 2026-07-28 client has no stream for it`;
}
