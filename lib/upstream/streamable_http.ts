/**
 * The Streamable HTTP upstream connector (MCP 2025-03-26 … 2025-11-25 "Streamable HTTP" transport, client
 * side): POST per message with `Accept: application/json, text/event-stream` (T-POST-02), JSON, SSE and 202
 * replies (T-POST-03/05), the session id from the initialize response (T-SESS-01) repeated on every later
 * request (T-SESS-04), `MCP-Protocol-Version` after initialize (T-PV-01), the standalone GET stream (405 =
 * none, T-GET-01), DELETE on close (405 tolerated, T-SESS-08), and resumption of broken SSE streams with
 * `Last-Event-ID` (T-RES-02/04, see `sse_messages.ts`).
 *
 * Stateless upstreams (no session id in the InitializeResult, T-SESS-01) are served as such: a 404 counts as a
 * lost session only for a request that carried a session id (T-SESS-06/07), and a GET without one answered 404
 * or 405 means "no standalone stream" (T-GET-01; an app that routes only POST answers 404), not an error.
 *
 * @module
 */
import { mirroredHeaders } from "../protocol/request_meta.ts";
import { PendingResponses } from "../kit/pending.ts";
import { badGateway } from "../kit/http_failure.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import { isRequest, isResponse } from "../jsonrpc/types.ts";
import { parseValue } from "../jsonrpc/parse.ts";
import { LAST_EVENT_ID_HEADER, mediaType, PROTOCOL_VERSION_HEADER, SESSION_ID_HEADER } from "../protocol/headers.ts";
import { type BackoffOptions, resolveBackoff, type ResolvedBackoff } from "../kit/backoff.ts";
import { type Reconnection, resumableMessages } from "./sse_messages.ts";
import { isSessionLost } from "./session_lost.ts";
import { fetchWithTimeout } from "./fetch_timeout.ts";
import {
  type SendContext,
  streamOf,
  type Upstream,
  type UpstreamConnection,
  type UpstreamHttpAnswer,
  type UpstreamMessage,
  type UpstreamReply,
} from "./types.ts";

/** Options for {@linkcode streamableHttpUpstream}. */
export interface StreamableHttpUpstreamOptions {
  /** The upstream MCP endpoint, e.g. `http://127.0.0.1:3001/mcp`. */
  url: string | URL;
  /** The `fetch` to use (tests inject one). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Headers added to (or replacing those of) every upstream request. */
  headers?: HeadersInit;
  /** Largest SSE event accepted from the upstream, in characters. @default 16_777_216 */
  maxEventSize?: number;
  /** Told each time an upstream SSE event was over `maxEventSize` and its stream dropped (for metrics). */
  onEventTooLarge?: () => void;
  /** Time allowed until the response head of each upstream request, in ms; 0 waits forever. @default 10_000 */
  connectTimeoutMs?: number;
  /** Backoff of upstream stream resumption (see `backoff.ts`). */
  reconnect?: BackoffOptions;
  /** Observes reconnections of upstream streams (for logs). */
  onReconnect?: (info: { stream: "post" | "get"; attempt: number; delayMs: number; lastEventId?: string }) => void;
}

/**
 * An upstream reached over Streamable HTTP.
 *
 * @example
 * ```ts ignore
 * const upstream = streamableHttpUpstream({ url: "http://127.0.0.1:3001/mcp" });
 * const conn = upstream.connect();
 * const reply = await conn.send([{ jsonrpc: "2.0", id: 1, method: "initialize", params: {} }]);
 * ```
 */
export function streamableHttpUpstream(options: StreamableHttpUpstreamOptions): Upstream {
  const url = new URL(options.url);
  const backoff = resolveBackoff(options.reconnect);
  return {
    description: url.href,
    connect: () => new StreamableHttpConnection(url, options, backoff),
  };
}

class StreamableHttpConnection implements UpstreamConnection {
  /** The endpoint URL, serialized once. */
  #href: string;
  #options: StreamableHttpUpstreamOptions;
  #fetch: typeof fetch;
  #extra: Headers;
  #maxEventSize: number;
  #backoff: ResolvedBackoff;
  #sessionId: string | undefined;
  #protocolVersion: string | undefined;
  #closed = false;
  /** Aborted on close: ends every resumable stream of this connection (no reconnection after close). */
  #closing = new AbortController();
  #endedResolve!: () => void;
  readonly ended: Promise<void> = new Promise((resolve) => (this.#endedResolve = resolve));

  constructor(url: URL, options: StreamableHttpUpstreamOptions, backoff: ResolvedBackoff) {
    this.#href = url.href;
    this.#options = options;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#extra = new Headers(options.headers);
    this.#maxEventSize = options.maxEventSize ?? 16 * 1024 * 1024;
    this.#backoff = backoff;
  }

  /**
   * The headers of one upstream request, as a plain record (lower-case names): one copy of the forwarded
   * headers, converted once by `fetch`. A `Headers` built here and a `Request` around it were two more
   * copies per call (found by bench/: on Deno they cost ~90 µs of ~265 µs of proxy CPU per call).
   */
  #headers(context: SendContext | undefined, accept: string): Record<string, string> {
    const headers: Record<string, string> = {};
    context?.headers?.forEach((value, name) => {
      if (name !== SESSION_ID_HEADER && name !== LAST_EVENT_ID_HEADER) headers[name] = value;
    });
    headers.accept = accept;
    if (this.#sessionId !== undefined) headers[SESSION_ID_HEADER] = this.#sessionId;
    // T-PV-01: after initialize every request carries the negotiated revision.
    if (this.#protocolVersion !== undefined) headers[PROTOCOL_VERSION_HEADER] = this.#protocolVersion;
    this.#extra.forEach((value, name) => (headers[name] = value));
    return headers;
  }

  #request(
    method: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    body?: string,
  ): Promise<Response> {
    const init: RequestInit = { method, headers, ...(body !== undefined ? { body } : {}) };
    return fetchWithTimeout(this.#fetch, this.#href, {
      timeoutMs: this.#options.connectTimeoutMs ?? 10_000,
      ...(signal ? { signal } : {}),
      what: `Upstream ${this.#href}`,
    }, init);
  }

  async send(messages: JsonRpcMessage[], context?: SendContext): Promise<UpstreamReply> {
    const headers = this.#headers(context, "application/json, text/event-stream");
    // A 2026-07-28 request is self-contained: its mirrored headers come from its body when the caller did not
    // send them (a stdio client through `mcpwire forward` cannot), T-PV-06/09/10.
    if (messages.length === 1) {
      for (const [name, value] of Object.entries(mirroredHeaders(messages[0]!))) headers[name] ??= value;
    }
    headers["content-type"] = "application/json";
    const body = JSON.stringify(messages.length === 1 ? messages[0] : messages);
    const first = messages[0];
    const isInit = messages.length === 1 && first !== undefined && isRequest(first) && first.method === "initialize";
    const response = await this.#request("POST", headers, context?.signal, body);
    if (isInit && response.ok) {
      // T-SESS-01: the session id comes with the InitializeResult.
      this.#sessionId = response.headers.get(SESSION_ID_HEADER) ?? undefined;
    }
    if (response.status === 202) {
      await response.body?.cancel();
      return { type: "accepted" };
    }
    if (!response.ok) return await _refused(response, headers);
    const type = mediaType(response.headers.get("content-type"));
    const pending = new PendingResponses(messages.filter(isRequest).map((m) => m.id));
    const note = isInit ? (m: JsonRpcMessage) => this.#noteInitialize(m) : undefined;
    const complete = (m: JsonRpcMessage) => {
      note?.(m);
      pending.settle(m);
      return pending.size === 0;
    };
    if (type === "text/event-stream" && response.body) {
      if (pending.size === 0) {
        await response.body.cancel();
        return { type: "accepted" };
      }
      const messagesOut = resumableMessages({
        first: response.body,
        maxEventSize: this.#maxEventSize,
        ...(this.#options.onEventTooLarge ? { onEventTooLarge: this.#options.onEventTooLarge } : {}),
        resume: "with-id",
        backoff: this.#backoff,
        complete,
        reconnect: (lastEventId, signal) => this.#reconnect(lastEventId, signal, context),
        onReconnect: (info) => this.#options.onReconnect?.({ stream: "post", ...info }),
        signal: this.#closing.signal,
      });
      return { type: "messages", delivery: "streamed", messages: messagesOut };
    }
    if (type === "application/json") {
      let value: unknown;
      let text: string;
      try {
        text = await response.text();
        value = JSON.parse(text);
      } catch {
        return { type: "http", response: badGateway("The upstream sent invalid JSON") };
      }
      const parsed = parseValue(value);
      if (!parsed.ok) return { type: "http", response: badGateway("The upstream sent an invalid JSON-RPC message") };
      for (const m of parsed.messages) complete(m);
      // One message: its text goes along, so a JSON face answers with the upstream's own bytes.
      const items: UpstreamMessage[] = parsed.batch
        ? parsed.messages.map((message) => ({ message }))
        : [{ message: parsed.messages[0]!, data: text }];
      return { type: "messages", delivery: "complete", messages: streamOf(items) };
    }
    await response.body?.cancel();
    if (pending.size === 0) return { type: "accepted" };
    return { type: "http", response: badGateway(`The upstream answered with unsupported content type ${type}`) };
  }

  #noteInitialize(m: JsonRpcMessage): void {
    if (isResponse(m) && "result" in m) {
      const v = (m.result as { protocolVersion?: unknown } | null)?.protocolVersion;
      if (typeof v === "string") this.#protocolVersion = v;
    }
  }

  /** One reconnection of a broken stream: GET, with `Last-Event-ID` when there is one (T-RES-02, T-RES-05). */
  async #reconnect(lastEventId: string | undefined, signal: AbortSignal, context?: SendContext): Promise<Reconnection> {
    if (this.#closed) return { type: "none" };
    const headers = this.#headers(context, "text/event-stream");
    if (lastEventId !== undefined) headers[LAST_EVENT_ID_HEADER] = lastEventId;
    let response: Response;
    try {
      response = await this.#request("GET", headers, signal);
    } catch (error) {
      return { type: "failed", reason: error instanceof Error ? error.message : String(error) };
    }
    if (response.ok && mediaType(response.headers.get("content-type")) === "text/event-stream" && response.body) {
      return { type: "stream", body: response.body };
    }
    const carried = headers[SESSION_ID_HEADER];
    const lost = carried !== undefined && await isSessionLost(response);
    await response.body?.cancel().catch(() => {});
    if (lost) return { type: "lost", reason: `The upstream forgot session ${carried} (HTTP ${response.status})` };
    // T-GET-01: 405 (or a stateless server's 404) means there is no GET to resume on: the stream just ends.
    if (_noGetStream(response, carried) || response.ok) return { type: "none" };
    return { type: "failed", reason: `The upstream answered the reconnection with HTTP ${response.status}` };
  }

  async listen(context?: SendContext) {
    if (this.#closed) return null;
    const headers = this.#headers(context, "text/event-stream");
    const response = await this.#request("GET", headers, context?.signal);
    if (_noGetStream(response, headers[SESSION_ID_HEADER])) {
      // T-GET-01: "no GET stream", not an error, and above all not a lost session (nothing was sent to lose).
      await response.body?.cancel().catch(() => {});
      return null;
    }
    if (!response.ok) return await _refused(response, headers);
    if (mediaType(response.headers.get("content-type")) !== "text/event-stream" || !response.body) {
      await response.body?.cancel();
      return null;
    }
    // The standalone stream is reconnected whenever the upstream ends it (T-GET-05, 2025-11-25 polling).
    return resumableMessages({
      first: response.body,
      maxEventSize: this.#maxEventSize,
      ...(this.#options.onEventTooLarge ? { onEventTooLarge: this.#options.onEventTooLarge } : {}),
      resume: "always",
      backoff: this.#backoff,
      reconnect: (lastEventId, signal) => this.#reconnect(lastEventId, signal, context),
      onReconnect: (info) => this.#options.onReconnect?.({ stream: "get", ...info }),
      signal: this.#closing.signal,
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    this.#endedResolve();
    if (this.#sessionId === undefined) return;
    try {
      const response = await this.#request("DELETE", this.#headers(undefined, "application/json"), undefined);
      await response.body?.cancel();
    } catch {
      // The upstream may already be gone; closing is best effort (T-SESS-08: 405 is tolerated as well).
    }
  }
}

/**
 * A refused request as an {@linkcode UpstreamHttpAnswer}, with the verdict on the session: lost only when the
 * request carried a session id and the answer says it is gone (T-SESS-06/07).
 */
async function _refused(response: Response, headers: Record<string, string>): Promise<UpstreamHttpAnswer> {
  const sessionLost = headers[SESSION_ID_HEADER] !== undefined && await isSessionLost(response);
  return { type: "http", response, sessionLost };
}

/**
 * Whether the answer to a GET means "this upstream has no standalone stream": 405 always (T-GET-01), and 404
 * when the GET carried no session id (a stateless server whose app routes only POST, like the official
 * conformance suite's `tools_call` server; with a session id a 404 means the session is gone, T-SESS-06).
 */
function _noGetStream(response: Response, sessionId: string | undefined): boolean {
  return response.status === 405 || (response.status === 404 && sessionId === undefined);
}

export type { UpstreamMessage };
