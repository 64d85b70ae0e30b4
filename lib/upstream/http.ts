/**
 * An HTTP upstream of either era: Streamable HTTP first, falling back to the 2024-11-05 HTTP+SSE transport
 * when the upstream answers the initialize POST with 400, 404 or 405 (T-BC-01, narrowed to those three
 * statuses in 2025-11-25). The era found is cached for the upstream (T-BC-03), so later sessions go
 * straight to it.
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import { isRequest } from "../jsonrpc/types.ts";
import { legacySseUpstream, type LegacySseUpstreamOptions } from "./legacy_sse.ts";
import { streamableHttpUpstream, type StreamableHttpUpstreamOptions } from "./streamable_http.ts";
import type { SendContext, Upstream, UpstreamConnection, UpstreamReply } from "./types.ts";

/** Which HTTP transport to speak upstream. */
export type UpstreamTransport = "auto" | "streamable-http" | "sse";

/** Options of {@linkcode httpUpstream}: those of both connectors, plus the transport choice. */
export interface HttpUpstreamOptions extends StreamableHttpUpstreamOptions, LegacySseUpstreamOptions {
  /** `auto` tries Streamable HTTP and falls back; the others force one transport. @default "auto" */
  transport?: UpstreamTransport;
  /** Observes a fallback to HTTP+SSE (for logs), with the status that triggered it. */
  onFallback?: (status: number) => void;
}

/** The statuses of an initialize POST that mean "legacy server" (T-BC-01). */
const FALLBACK_STATUSES = new Set([400, 404, 405]);

/**
 * An upstream reached by URL over Streamable HTTP or, as a fallback, HTTP+SSE.
 *
 * @example
 * ```ts ignore
 * const upstream = httpUpstream({ url: "http://127.0.0.1:3001/sse" }); // works with either era
 * ```
 */
export function httpUpstream(options: HttpUpstreamOptions): Upstream {
  const transport = options.transport ?? "auto";
  if (transport === "streamable-http") return streamableHttpUpstream(options);
  if (transport === "sse") return legacySseUpstream(options);
  const modern = streamableHttpUpstream(options);
  const legacy = legacySseUpstream(options);
  let era: "unknown" | "modern" | "legacy" = "unknown";
  return {
    description: modern.description,
    connect: () => {
      if (era === "legacy") return legacy.connect();
      if (era === "modern") return modern.connect();
      return new _AutoConnection(modern, legacy, (found, status) => {
        era = found;
        if (found === "legacy") options.onFallback?.(status ?? 0);
      });
    },
  };
}

class _AutoConnection implements UpstreamConnection {
  #legacy: Upstream;
  #decide: (era: "modern" | "legacy", status?: number) => void;
  #inner: UpstreamConnection;
  #decided = false;
  #endedResolve!: () => void;
  readonly ended: Promise<void> = new Promise((resolve) => (this.#endedResolve = resolve));

  constructor(modern: Upstream, legacy: Upstream, decide: (era: "modern" | "legacy", status?: number) => void) {
    this.#legacy = legacy;
    this.#decide = decide;
    this.#inner = this.#follow(modern.connect());
  }

  #follow(inner: UpstreamConnection): UpstreamConnection {
    void inner.ended.then(() => {
      if (this.#inner === inner) this.#endedResolve();
    });
    return inner;
  }

  async send(messages: JsonRpcMessage[], context?: SendContext): Promise<UpstreamReply> {
    const first = messages[0];
    if (this.#decided || messages.length !== 1 || !first || !isRequest(first) || first.method !== "initialize") {
      return await this.#inner.send(messages, context);
    }
    const reply = await this.#inner.send(messages, context);
    if (reply.type !== "http" || !FALLBACK_STATUSES.has(reply.response.status)) {
      if (reply.type === "messages") {
        this.#decided = true;
        this.#decide("modern");
      }
      return reply;
    }
    const modern = this.#inner;
    const legacy = this.#legacy.connect();
    let fallback: UpstreamReply;
    try {
      fallback = await legacy.send(messages, context);
    } catch {
      await legacy.close().catch(() => {});
      return reply;
    }
    if (fallback.type === "http") {
      // Not a legacy server either: the client gets the Streamable HTTP answer.
      await fallback.response.body?.cancel().catch(() => {});
      await legacy.close().catch(() => {});
      return reply;
    }
    await reply.response.body?.cancel().catch(() => {});
    this.#decided = true;
    this.#inner = this.#follow(legacy);
    void modern.close().catch(() => {});
    this.#decide("legacy", reply.response.status);
    return fallback;
  }

  listen(context?: SendContext) {
    return this.#inner.listen(context);
  }

  close(): Promise<void> {
    this.#endedResolve();
    return this.#inner.close();
  }
}
