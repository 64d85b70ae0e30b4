/**
 * The Streamable HTTP upstream connector (MCP 2025-03-26 … 2025-11-25 "Streamable HTTP" transport, client
 * side): POST per message, JSON or SSE replies, the standalone GET stream, DELETE on close.
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import { isRequest, isResponse } from "../jsonrpc/types.ts";
import { parseValue } from "../jsonrpc/parse.ts";
import { PROTOCOL_VERSION_HEADER, SESSION_ID_HEADER } from "../protocol/headers.ts";
import { decodeSse } from "../sse/decode.ts";
import {
  type SendContext,
  type Upstream,
  type UpstreamConnection,
  type UpstreamMessage,
  type UpstreamReply,
  UpstreamUnavailableError,
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
  return {
    description: url.href,
    connect: () => new StreamableHttpConnection(url, options),
  };
}

class StreamableHttpConnection implements UpstreamConnection {
  /** The endpoint URL, serialized once. */
  #href: string;
  #fetch: typeof fetch;
  #extra: Headers;
  #maxEventSize: number;
  #sessionId: string | undefined;
  #protocolVersion: string | undefined;
  #closed = false;
  #endedResolve!: () => void;
  readonly ended: Promise<void> = new Promise((resolve) => (this.#endedResolve = resolve));

  constructor(url: URL, options: StreamableHttpUpstreamOptions) {
    this.#href = url.href;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#extra = new Headers(options.headers);
    this.#maxEventSize = options.maxEventSize ?? 16 * 1024 * 1024;
  }

  /**
   * The headers of one upstream request, as a plain record: one copy of the forwarded headers, converted
   * once by `fetch` (a `Headers` built here and then a `Request` around it cost two more copies per call).
   */
  #headers(context: SendContext | undefined, accept: string): Record<string, string> {
    const headers: Record<string, string> = {};
    context?.headers?.forEach((value, name) => {
      if (name !== SESSION_ID_HEADER) headers[name] = value;
    });
    headers.accept = accept;
    if (this.#sessionId !== undefined) headers[SESSION_ID_HEADER] = this.#sessionId;
    // T-PV-01: after initialize every request carries the negotiated revision.
    if (this.#protocolVersion !== undefined && headers[PROTOCOL_VERSION_HEADER] === undefined) {
      headers[PROTOCOL_VERSION_HEADER] = this.#protocolVersion;
    }
    this.#extra.forEach((value, name) => (headers[name] = value));
    return headers;
  }

  /** Fetches the endpoint URL with `init` (no `Request` object: `fetch` builds its own). */
  async #fetchOrThrow(init: RequestInit): Promise<Response> {
    try {
      return await this.#fetch(this.#href, init);
    } catch (error) {
      if (init.signal?.aborted) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new UpstreamUnavailableError(`Upstream ${this.#href} is unreachable: ${reason}`);
    }
  }

  async send(messages: JsonRpcMessage[], context?: SendContext): Promise<UpstreamReply> {
    const headers = this.#headers(context, "application/json, text/event-stream");
    headers["content-type"] = "application/json";
    const body = JSON.stringify(messages.length === 1 ? messages[0] : messages);
    const init = messages.length === 1 && isRequest(messages[0]!) && messages[0].method === "initialize"
      ? messages[0]
      : undefined;
    const response = await this.#fetchOrThrow({ method: "POST", headers, body, signal: context?.signal ?? null });
    if (init) {
      const sid = response.headers.get(SESSION_ID_HEADER);
      if (sid !== null && response.ok) this.#sessionId = sid;
    }
    if (response.status === 202) {
      await response.body?.cancel();
      return { type: "accepted" };
    }
    if (!response.ok) return { type: "http", response };
    const type = mediaType(response.headers.get("content-type"));
    const pendingIds = new Set(messages.filter(isRequest).map((m) => m.id));
    if (type === "text/event-stream" && response.body) {
      return { type: "messages", format: "sse", messages: this.#sseMessages(response.body, pendingIds, init) };
    }
    if (type === "application/json") {
      const text = await response.text();
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { type: "http", response: badGateway("The upstream sent invalid JSON") };
      }
      const parsed = parseValue(value);
      if (!parsed.ok) return { type: "http", response: badGateway("The upstream sent an invalid JSON-RPC message") };
      if (init) this.#noteInitialize(parsed.messages);
      return {
        type: "messages",
        format: "json",
        messages: streamOf(parsed.messages.map((message) => ({ message }))),
      };
    }
    if (pendingIds.size === 0) {
      await response.body?.cancel();
      return { type: "accepted" };
    }
    await response.body?.cancel();
    return { type: "http", response: badGateway(`The upstream answered with unsupported content type ${type}`) };
  }

  #noteInitialize(messages: JsonRpcMessage[]): void {
    for (const m of messages) {
      if (isResponse(m) && "result" in m) {
        const v = (m.result as { protocolVersion?: unknown } | null)?.protocolVersion;
        if (typeof v === "string") this.#protocolVersion = v;
      }
    }
  }

  #sseMessages(
    body: ReadableStream<Uint8Array>,
    pendingIds: Set<unknown>,
    init: JsonRpcRequest | undefined,
  ): ReadableStream<UpstreamMessage> {
    const items = decodeSse(body, { maxBufferSize: this.#maxEventSize }).getReader();
    return new ReadableStream<UpstreamMessage>({
      pull: async (controller) => {
        while (true) {
          const { done, value } = await items.read();
          if (done) {
            controller.close();
            return;
          }
          if (value.type !== "event" || value.data === "") continue; // priming events carry no message (T-RES-06)
          if (value.event !== undefined && value.event !== "message") continue;
          let parsed;
          try {
            parsed = parseValue(JSON.parse(value.data));
          } catch {
            continue;
          }
          if (!parsed.ok) continue;
          if (init) this.#noteInitialize(parsed.messages);
          for (const message of parsed.messages) {
            controller.enqueue(value.id === undefined ? { message } : { message, eventId: value.id });
            if (isResponse(message) && "id" in message) pendingIds.delete(message.id);
          }
          if (pendingIds.size === 0) {
            // Every response arrived: the upstream should end the stream (T-POST-07); do not wait for it.
            await items.cancel().catch(() => {});
            controller.close();
          }
          return;
        }
      },
      cancel: (reason) => items.cancel(reason),
    }, { highWaterMark: 0 });
  }

  async listen(context?: SendContext) {
    if (this.#closed) return null;
    const headers = this.#headers(context, "text/event-stream");
    const response = await this.#fetchOrThrow({ method: "GET", headers, signal: context?.signal ?? null });
    if (response.status === 405) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) return { type: "http" as const, response };
    if (mediaType(response.headers.get("content-type")) !== "text/event-stream" || !response.body) {
      await response.body?.cancel();
      return null;
    }
    const items = decodeSse(response.body, { maxBufferSize: this.#maxEventSize }).getReader();
    return new ReadableStream<UpstreamMessage>({
      async pull(controller) {
        while (true) {
          let result;
          try {
            result = await items.read();
          } catch {
            controller.close();
            return;
          }
          if (result.done) {
            controller.close();
            return;
          }
          const item = result.value;
          if (item.type !== "event" || item.data === "") continue;
          if (item.event !== undefined && item.event !== "message") continue;
          let parsed;
          try {
            parsed = parseValue(JSON.parse(item.data));
          } catch {
            continue;
          }
          if (!parsed.ok) continue;
          for (const message of parsed.messages) {
            controller.enqueue(item.id === undefined ? { message } : { message, eventId: item.id });
          }
          return;
        }
      },
      cancel: (reason) => items.cancel(reason),
    }, { highWaterMark: 0 });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#endedResolve();
    if (this.#sessionId === undefined) return;
    try {
      const response = await this.#fetch(
        this.#href,
        { method: "DELETE", headers: this.#headers(undefined, "application/json") },
      );
      await response.body?.cancel();
    } catch {
      // The upstream may already be gone; closing is best effort (T-SESS-08: 405 is tolerated as well).
    }
  }
}

/** The media type of a `Content-Type` value, lower-cased and without parameters. */
export function mediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

function streamOf<T>(items: T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const item of items) controller.enqueue(item);
      controller.close();
    },
  });
}

function badGateway(message: string): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code: -32003, message } }), {
    status: 502,
    headers: { "content-type": "application/json" },
  });
}
