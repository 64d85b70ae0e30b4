/**
 * The stdio face (what `mcpwire forward` serves): a local MCP client talks newline-delimited JSON-RPC on
 * stdin/stdout (the MCP stdio transport) to mcpwire, which forwards every message to an upstream (Streamable
 * HTTP, HTTP+SSE, or another stdio command). Only JSON-RPC goes to the output; bad input
 * lines get a JSON-RPC error (-32700 / -32600, id `null`), never a crash.
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import { ErrorCode, errorResponse, isNotification, isRequest } from "../jsonrpc/types.ts";
import { parseBody } from "../jsonrpc/parse.ts";
import { createEnvelope, type Envelope } from "../protocol/envelope.ts";
import { splitLines } from "../kit/lines.ts";
import { errorForHttpFailure } from "../kit/http_failure.ts";
import { withDeadline } from "../kit/deadline.ts";
import type { Upstream, UpstreamConnection, UpstreamMessage, UpstreamReply } from "../upstream/types.ts";

/** Options of {@linkcode serveStdio}. */
export interface StdioFaceOptions {
  /** Where messages go (`startForwardProxy` of `lib/proxy/forward.ts` gives the default stack). */
  upstream: Upstream;
  /** The client's messages: newline-delimited JSON-RPC (standard input). */
  input: ReadableStream<Uint8Array>;
  /** Writes text to the client (standard output); called with whole lines, one at a time. */
  output: (text: string) => Promise<void>;
  /** Observes every message that passes, in both directions. */
  onMessage?: (envelope: Envelope) => void;
  /** Receives errors worth logging. */
  onError?: (error: unknown) => void;
  /** Largest input line, in characters. @default 16_777_216 */
  maxLineLength?: number;
  /** After the input closed, how long replies still in flight may take before the proxy stops, in ms. @default 5_000 */
  drainMs?: number;
}

/** A running stdio face. */
export interface StdioFace {
  /**
   * Resolves when the proxy stopped: `"input-closed"` when the client closed its end (the upstream session
   * is then closed), `"upstream-ended"` when the upstream was given up for good, `"closed"` after `close()`.
   */
  done: Promise<"input-closed" | "upstream-ended" | "closed">;
  /** Stops reading input and closes the upstream session. */
  close(): Promise<void>;
}

/**
 * Starts forwarding `input` to the upstream and the upstream's messages to `output`.
 *
 * Requests are dispatched as they arrive (a slow call does not hold up the next one); `initialize` and
 * notifications are sent in order before anything that follows them. The standalone stream of server
 * messages is opened once the client sent `notifications/initialized`.
 *
 * @example
 * ```ts ignore
 * const face = serveStdio({ upstream, input: runtime.stdin(), output: runtime.writeStdout });
 * await face.done;
 * ```
 */
export function serveStdio(options: StdioFaceOptions): StdioFace {
  const face = new _StdioFace(options);
  return {
    done: face.done,
    close: () => face.close(),
  };
}

type _Stop = "input-closed" | "upstream-ended" | "closed";

/** One client on stdio and its upstream connection. */
class _StdioFace {
  readonly done: Promise<_Stop>;
  #options: StdioFaceOptions;
  #connection: UpstreamConnection;
  #report: (error: unknown) => void;
  #abort = new AbortController();
  #writes: Promise<void> = Promise.resolve();
  #gate: Promise<void> = Promise.resolve();
  #listening = false;
  #inflight = new Set<Promise<void>>();

  constructor(options: StdioFaceOptions) {
    this.#options = options;
    this.#connection = options.upstream.connect();
    this.#report = options.onError ?? (() => {});
    this.done = Promise.race([
      this.#read(),
      this.#connection.ended.then(() => this.#abort.signal.aborted ? "closed" as const : "upstream-ended" as const),
    ]).then((why) => this.#stop(why));
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#connection.close().catch(this.#report);
    await this.done;
  }

  /** Reads the client's lines until the input closes; unreadable lines get an error with id null. */
  async #read(): Promise<"input-closed" | "closed"> {
    try {
      const lines = splitLines(this.#options.input, {
        maxLineLength: this.#options.maxLineLength ?? 16 * 1024 * 1024,
      });
      for await (const line of lines) {
        if (this.#abort.signal.aborted) return "closed";
        const parsed = parseBody(line);
        if (!parsed.ok) {
          // JSON-RPC 2.0: errors about unreadable requests carry id null.
          await this.#write(errorResponse(null, parsed.error.code, parsed.error.message));
          continue;
        }
        for (const message of parsed.messages) this.#dispatch(message);
      }
    } catch (error) {
      this.#report(error);
    }
    return this.#abort.signal.aborted ? "closed" : "input-closed";
  }

  /** Drains what is in flight (after the input closed), closes the upstream session and flushes the output. */
  async #stop(why: _Stop): Promise<_Stop> {
    await this.#gate.catch(() => {});
    if (why === "input-closed" && this.#inflight.size > 0) {
      // A client that wrote its requests and closed its end still gets the answers in flight.
      const drained = Promise.all(this.#inflight).then(() => {});
      await withDeadline(drained, this.#options.drainMs ?? 5_000, { onTimeout: () => {} });
    }
    this.#abort.abort();
    await this.#connection.close().catch(this.#report);
    await this.#writes;
    return why;
  }

  /** `initialize` and notifications are sent before what follows them; requests only need to be on their way. */
  #dispatch(message: JsonRpcMessage): void {
    const ordered = isNotification(message) || (isRequest(message) && message.method === "initialize");
    this.#gate = this.#gate.then(() => {
      const task = this.#handle(message).catch(this.#report);
      this.#inflight.add(task);
      void task.finally(() => this.#inflight.delete(task));
      return ordered ? task : undefined;
    });
  }

  /** Sends one client message upstream and writes what comes back (an error in place of a failed request). */
  async #handle(message: JsonRpcMessage): Promise<void> {
    this.#observe("client-to-server", "post", message);
    let reply: UpstreamReply;
    try {
      reply = await this.#connection.send([message], { signal: this.#abort.signal });
    } catch (error) {
      this.#report(error);
      if (isRequest(message)) {
        const why = error instanceof Error ? error.message : "The upstream failed";
        await this.#write(errorResponse(message.id, ErrorCode.UpstreamError, why));
      }
      return;
    }
    if (reply.type === "accepted") {
      if (isNotification(message) && message.method === "notifications/initialized") void this.#listen();
      return;
    }
    if (reply.type === "http") {
      if (isRequest(message)) await this.#write(await errorForHttpFailure(message.id, reply.response));
      else await reply.response.body?.cancel().catch(() => {});
      return;
    }
    await this.#pump(reply.messages, "post");
  }

  /** Opens the standalone stream of server messages (once). */
  async #listen(): Promise<void> {
    if (this.#listening) return;
    this.#listening = true;
    try {
      const stream = await this.#connection.listen({});
      if (stream === null) return;
      if ("type" in stream) {
        await stream.response.body?.cancel().catch(() => {});
        return;
      }
      await this.#pump(stream, "get");
    } catch (error) {
      this.#report(error);
    }
  }

  /** Writes every message of `messages` to the client. */
  async #pump(messages: ReadableStream<UpstreamMessage>, stream: "post" | "get"): Promise<void> {
    try {
      for await (const { message, eventId } of messages) {
        this.#observe("server-to-client", stream, message, eventId);
        await this.#write(message);
      }
    } catch (error) {
      this.#report(error);
    }
  }

  /** Queues one line of output (writes never interleave); a failed write is reported. */
  #write(message: JsonRpcMessage): Promise<void> {
    const output = () => this.#options.output(JSON.stringify(message) + "\n");
    this.#writes = this.#writes.then(output).catch(this.#report);
    return this.#writes;
  }

  /** Shows `onMessage` one message passing in `direction`. */
  #observe(direction: Envelope["direction"], stream: "post" | "get", message: JsonRpcMessage, eventId?: string) {
    if (!this.#options.onMessage) return;
    this.#options.onMessage(createEnvelope(direction, message, { stream, upstreamEventId: eventId }));
  }
}
