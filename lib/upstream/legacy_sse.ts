/**
 * The legacy HTTP+SSE upstream connector (MCP 2024-11-05, client side), proxied as if it were Streamable
 * HTTP: a GET opens the event stream, whose first event `endpoint` names the URL to POST messages to
 * (T-LEG-01/02); every server message then arrives as an `event: message` on that one stream (T-LEG-03).
 * Responses are routed to the reply of the request they answer (by id), progress notifications by token,
 * and everything else to `listen()`.
 *
 * @module
 */
import { withDeadline } from "../kit/deadline.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import { isRequest } from "../jsonrpc/types.ts";
import { parseValue } from "../jsonrpc/parse.ts";
import { decodeSse, type SseItem } from "../sse/decode.ts";
import { fetchWithTimeout } from "./fetch_timeout.ts";
import { ReplyRouter } from "./router.ts";
import { mediaType } from "../protocol/headers.ts";
import {
  type SendContext,
  type Upstream,
  type UpstreamConnection,
  type UpstreamMessage,
  type UpstreamReply,
  UpstreamUnavailableError,
} from "./types.ts";

/** Options for {@linkcode legacySseUpstream}. */
export interface LegacySseUpstreamOptions {
  /** The upstream's SSE endpoint, e.g. `http://127.0.0.1:3001/sse`. */
  url: string | URL;
  /** The `fetch` to use (tests inject one). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Headers added to (or replacing those of) every upstream request. */
  headers?: HeadersInit;
  /** Largest SSE event accepted from the upstream, in characters. @default 16_777_216 */
  maxEventSize?: number;
  /**
   * Time allowed until each response head, and until the `endpoint` event, in ms; 0 waits forever.
   * @default 10_000
   */
  connectTimeoutMs?: number;
  /** Server messages kept for `listen()` before anyone listens. @default 10_000 */
  maxBufferedMessages?: number;
}

/**
 * An upstream reached over the 2024-11-05 HTTP+SSE transport. Each connection holds one GET stream; when the
 * upstream ends it, the connection has ended (`ended` resolves, requests in flight get a JSON-RPC error).
 *
 * @example
 * ```ts ignore
 * const upstream = legacySseUpstream({ url: "http://127.0.0.1:3001/sse" });
 * const reply = await upstream.connect().send([{ jsonrpc: "2.0", id: 1, method: "initialize", params: {} }]);
 * ```
 */
export function legacySseUpstream(options: LegacySseUpstreamOptions): Upstream {
  const url = new URL(options.url);
  return { description: `${url.href} (HTTP+SSE)`, connect: () => new LegacySseConnection(url, options) };
}

class LegacySseConnection implements UpstreamConnection {
  #url: URL;
  #options: LegacySseUpstreamOptions;
  #fetch: typeof fetch;
  #router: ReplyRouter;
  #opening: Promise<URL | Response> | undefined;
  #events: ReadableStreamDefaultReader<SseItem> | undefined;
  #closed = false;
  #dead = false;
  #endedResolve!: () => void;
  readonly ended: Promise<void> = new Promise((resolve) => (this.#endedResolve = resolve));

  constructor(url: URL, options: LegacySseUpstreamOptions) {
    this.#url = url;
    this.#options = options;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#router = new ReplyRouter(options.maxBufferedMessages ?? 10_000);
  }

  get #timeoutMs(): number {
    return this.#options.connectTimeoutMs ?? 10_000;
  }

  #headers(context: SendContext | undefined, accept: string): Headers {
    const headers = new Headers(context?.headers);
    for (const name of ["mcp-session-id", "mcp-protocol-version", "last-event-id"]) headers.delete(name);
    headers.set("accept", accept);
    new Headers(this.#options.headers).forEach((value, name) => headers.set(name, value));
    return headers;
  }

  /** Opens the event stream and waits for the `endpoint` event (T-LEG-02). An HTTP refusal is returned as is. */
  async #open(context: SendContext | undefined): Promise<URL | Response> {
    const what = `Upstream ${this.#url.href}`;
    const response = await fetchWithTimeout(
      this.#fetch,
      new Request(this.#url, { method: "GET", headers: this.#headers(context, "text/event-stream") }),
      { timeoutMs: this.#timeoutMs, what },
    );
    if (!response.ok) return response;
    if (mediaType(response.headers.get("content-type")) !== "text/event-stream" || !response.body) {
      await response.body?.cancel();
      throw new UpstreamUnavailableError(`${what} did not answer with an event stream`);
    }
    const events = decodeSse(response.body, { maxBufferSize: this.#options.maxEventSize ?? 16 * 1024 * 1024 })
      .getReader();
    this.#events = events;
    try {
      const endpoint = await withDeadline(this.#readEndpoint(events), this.#timeoutMs, {
        onTimeout: () => {
          throw new UpstreamUnavailableError(`${what} sent no endpoint event within ${this.#timeoutMs} ms`);
        },
      });
      void this.#pump(events);
      return endpoint;
    } catch (error) {
      await events.cancel().catch(() => {});
      throw error;
    }
  }

  async #readEndpoint(events: ReadableStreamDefaultReader<SseItem>): Promise<URL> {
    while (true) {
      const { done, value } = await events.read();
      if (done) throw new UpstreamUnavailableError("The upstream ended its event stream before the endpoint event");
      if (value.type !== "event" || value.event !== "endpoint") continue;
      const endpoint = new URL(value.data.trim(), this.#url);
      // T-LEG-02: the message endpoint must be on the same origin (the SDK client refuses others too).
      if (endpoint.origin !== this.#url.origin) {
        throw new UpstreamUnavailableError(
          `The upstream named a message endpoint on another origin: ${endpoint.origin}`,
        );
      }
      return endpoint;
    }
  }

  async #pump(events: ReadableStreamDefaultReader<SseItem>): Promise<void> {
    try {
      while (true) {
        const { done, value } = await events.read();
        if (done) break;
        if (value.type !== "event" || value.data === "") continue;
        if (value.event !== undefined && value.event !== "message") continue;
        for (const message of _parse(value.data)) {
          this.#router.route(value.id === undefined ? { message } : { message, eventId: value.id });
        }
      }
    } catch {
      // The stream broke: the session is over (2024-11-05 has no resumption).
    }
    this.#die(this.#closed ? "The connection was closed" : "The upstream ended its event stream");
  }

  #die(why: string): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#router.fail(why);
    this.#endedResolve();
  }

  async #endpoint(context: SendContext | undefined): Promise<URL | Response> {
    if (this.#dead) throw new UpstreamUnavailableError("The upstream event stream has ended");
    this.#opening ??= this.#open(context);
    try {
      return await this.#opening;
    } catch (error) {
      this.#opening = undefined;
      throw error;
    }
  }

  async send(messages: JsonRpcMessage[], context?: SendContext): Promise<UpstreamReply> {
    const endpoint = await this.#endpoint(context);
    if (endpoint instanceof Response) {
      this.#opening = undefined;
      return { type: "http", response: endpoint };
    }
    const requests = messages.filter(isRequest);
    // Registered before posting: the response may come on the event stream before the POST is answered.
    const replies = requests.length > 0 ? this.#router.reply(requests) : undefined;
    const headers = this.#headers(context, "application/json, text/event-stream");
    headers.set("content-type", "application/json");
    for (const message of messages) {
      let response: Response;
      try {
        response = await fetchWithTimeout(
          this.#fetch,
          new Request(endpoint, { method: "POST", headers, body: JSON.stringify(message) }),
          {
            timeoutMs: this.#timeoutMs,
            what: `Upstream ${endpoint.href}`,
            ...(context?.signal ? { signal: context.signal } : {}),
          },
        );
      } catch (error) {
        this.#router.abandon(requests.map((r) => r.id));
        throw error;
      }
      if (!response.ok) {
        this.#router.abandon(requests.map((r) => r.id));
        return { type: "http", response };
      }
      await response.body?.cancel().catch(() => {});
    }
    return replies ? { type: "messages", delivery: "streamed", messages: replies } : { type: "accepted" };
  }

  async listen(context?: SendContext): Promise<ReadableStream<UpstreamMessage> | null> {
    if (!this.#dead && !this.#opening) await this.#endpoint(context);
    return this.#router.listen();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#events?.cancel().catch(() => {});
    this.#die("The connection was closed");
  }
}

function _parse(data: string): JsonRpcMessage[] {
  try {
    const parsed = parseValue(JSON.parse(data));
    return parsed.ok ? parsed.messages : [];
  } catch {
    return [];
  }
}
