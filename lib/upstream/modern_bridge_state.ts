/**
 * The state of one 2025-era session bridged to a 2026-07-28 upstream: what the client's `initialize`
 * declared (carried as `_meta` on every modern request, T-PV-12), the upstream's `server/discover` answer,
 * the tools' `x-mcp-header` declarations (learned from `tools/list`, T-PV-11), the requests in flight (for
 * `notifications/cancelled`) and the server→client requests waiting for the client's answer.
 *
 * @module
 */
import type { JsonRpcId, JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from "../jsonrpc/types.ts";
import { isResponse } from "../jsonrpc/types.ts";
import {
  META_CLIENT_CAPABILITIES,
  META_CLIENT_INFO,
  META_PROTOCOL_VERSION,
  mirroredHeaders,
  paramHeaders,
} from "../protocol/request_meta.ts";
import { PARAM_HEADER_PREFIX } from "../protocol/headers.ts";
import type { Revision } from "../protocol/revisions.ts";
import { forEachItem } from "../kit/streams.ts";
import { createEnvelope, type Direction, type Envelope } from "../protocol/envelope.ts";
import type { Upstream } from "./types.ts";

/**
 * Observes the upstream hop of a bridged session: every 2026-07-28 message mcpwire sends or receives for it,
 * as an envelope with the session's id and revision `2026-07-28` (a tape then shows both hops).
 */
export type BridgeObserver = (envelope: Envelope) => void;

/** The revision the bridge speaks upstream. */
export const MODERN_REVISION: Revision = "2026-07-28";

/** Downstream headers that describe the 2025-era hop and must not reach the modern upstream. */
const SESSION_HEADERS = new Set(["mcp-session-id", "mcp-protocol-version", "last-event-id", "mcp-method", "mcp-name"]);

/** Result fields that exist only in 2026-07-28 (kept off the 2025-era hop). */
const MODERN_RESULT_FIELDS = ["resultType", "ttlMs", "cacheScope"];

/**
 * One bridged session.
 *
 * @example
 * ```ts ignore
 * const state = new BridgeState(inner, initializeRequest);
 * ```
 */
export class BridgeState {
  /** The modern upstream (one connection per request). */
  readonly inner: Upstream;
  /** What the client declared in `initialize`. */
  readonly capabilities: Record<string, unknown>;
  /** The `_meta` every modern request carries. */
  readonly meta: Record<string, unknown>;
  /** Requests in flight by JSON id: aborting one closes its modern request (T-POST-10). */
  readonly inflight = new Map<string, AbortController>();
  /** The upstream's `server/discover` result, once known. */
  discovered: Record<string, unknown> = {};
  /** Resource URIs the client subscribed to (`resources/subscribe`). */
  readonly subscriptions = new Set<string>();
  /**
   * Called when the subscriptions changed: the listen stream is re-opened; resolves once the new one is
   * acknowledged upstream (or ended).
   */
  onSubscriptionsChanged: () => Promise<void> = () => Promise.resolve();
  /** The downstream session id (from the session core's send context), for the observer. */
  sessionId: string | undefined;
  #observer: BridgeObserver | undefined;
  #tools = new Map<string, unknown>();
  #toolsListed: Promise<void> | undefined;
  #waiting = new Map<string, (answer: JsonRpcResponse | undefined) => void>();
  #asked = 0;

  constructor(inner: Upstream, init: JsonRpcRequest, observer?: BridgeObserver) {
    this.inner = inner;
    this.#observer = observer;
    const params = (init.params ?? {}) as { capabilities?: unknown; clientInfo?: unknown };
    const capabilities = params.capabilities;
    this.capabilities = capabilities && typeof capabilities === "object" ? capabilities as Record<string, unknown> : {};
    this.meta = {
      [META_PROTOCOL_VERSION]: MODERN_REVISION,
      [META_CLIENT_CAPABILITIES]: this.capabilities,
      ...(params.clientInfo !== undefined ? { [META_CLIENT_INFO]: params.clientInfo } : {}),
    };
  }

  /** Reports one message of the upstream hop to the observer. */
  observe(direction: Direction, message: JsonRpcMessage, stream: "post" | "get"): void {
    this.#observer?.(
      createEnvelope(direction, message, { stream, sessionId: this.sessionId, revision: MODERN_REVISION }),
    );
  }

  /** The headers of one modern request: the client's end-to-end headers, minus the 2025 hop's, plus the mirrored ones. */
  async headersFor(request: JsonRpcRequest, base: Headers | undefined): Promise<Headers> {
    const headers = new Headers();
    base?.forEach((value, name) => {
      if (!SESSION_HEADERS.has(name) && !name.startsWith(PARAM_HEADER_PREFIX)) headers.set(name, value);
    });
    for (const [name, value] of Object.entries(mirroredHeaders(request))) headers.set(name, value);
    const params = request.params as { name?: unknown; arguments?: unknown } | undefined;
    if (request.method === "tools/call" && typeof params?.name === "string") {
      const schema = await this.#schemaOf(params.name);
      for (const [name, value] of Object.entries(paramHeaders(schema, params.arguments))) headers.set(name, value);
    }
    return headers;
  }

  /** The final response of a bridged request, as a 2025-era client expects it (tools learned on the way). */
  toSessionResponse(request: JsonRpcRequest, response: JsonRpcResponse): JsonRpcResponse {
    if (!("result" in response) || !response.result || typeof response.result !== "object") return response;
    const result = { ...response.result as Record<string, unknown> };
    for (const field of MODERN_RESULT_FIELDS) delete result[field];
    if (request.method === "tools/list") this.#learnTools(result);
    return { ...response, result };
  }

  #learnTools(result: Record<string, unknown>): void {
    const tools = Array.isArray(result.tools) ? result.tools as { name?: unknown; inputSchema?: unknown }[] : [];
    for (const tool of tools) if (typeof tool.name === "string") this.#tools.set(tool.name, tool.inputSchema);
  }

  /** A tool's `inputSchema`, listing the tools upstream once when the client called one it never listed. */
  async #schemaOf(name: string): Promise<unknown> {
    if (!this.#tools.has(name)) {
      this.#toolsListed ??= this.#listTools().catch(() => {});
      await this.#toolsListed;
    }
    return this.#tools.get(name);
  }

  async #listTools(): Promise<void> {
    const request = modernRequest(this, "mcpwire-tools", "tools/list", {});
    const connection = this.inner.connect();
    try {
      this.observe("client-to-server", request, "post");
      const reply = await connection.send([request], { headers: await this.headersFor(request, undefined) });
      if (reply.type !== "messages") return;
      await forEachItem(reply.messages, ({ message }) => {
        this.observe("server-to-client", message, "post");
        if (isResponse(message) && "result" in message) this.toSessionResponse(request, message);
      });
    } finally {
      await connection.close().catch(() => {});
    }
  }

  /**
   * Sends a server→client request to the client (on the stream of the request it serves) and waits for the
   * answer; `undefined` when `signal` aborted first (the client cancelled its request).
   */
  ask(
    method: string,
    params: Record<string, unknown> | undefined,
    put: (message: JsonRpcMessage) => void,
    signal: AbortSignal,
  ): Promise<JsonRpcResponse | undefined> {
    const id = `mcpwire-bridge-${++this.#asked}`;
    const answered = new Promise<JsonRpcResponse | undefined>((resolve) => {
      const done = (answer: JsonRpcResponse | undefined) => {
        this.#waiting.delete(id);
        signal.removeEventListener("abort", onAbort);
        resolve(answer);
      };
      const onAbort = () => done(undefined);
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiting.set(id, done);
    });
    put({ jsonrpc: "2.0", id, method, ...(params !== undefined ? { params } : {}) });
    return answered;
  }

  /** Hands the client's response to the server→client request it answers; false when none waits for it. */
  answer(response: JsonRpcResponse): boolean {
    const done = typeof response.id === "string" ? this.#waiting.get(response.id) : undefined;
    done?.(response);
    return done !== undefined;
  }
}

/**
 * A self-contained 2026-07-28 request: `params` with the session's `_meta` merged in (the client's own
 * `_meta`, e.g. its `progressToken`, is kept).
 *
 * @example
 * ```ts ignore
 * const request = modernRequest(state, 1, "tools/list", {});
 * ```
 */
export function modernRequest(
  state: BridgeState,
  id: JsonRpcId,
  method: string,
  params: Record<string, unknown>,
): JsonRpcRequest {
  const own = params._meta && typeof params._meta === "object" ? params._meta as Record<string, unknown> : {};
  return { jsonrpc: "2.0", id, method, params: { ...params, _meta: { ...own, ...state.meta } } };
}
