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
import type { Upstream, UpstreamMessage, UpstreamReply } from "../upstream/types.ts";

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
  const connection = options.upstream.connect();
  const report = options.onError ?? (() => {});
  const abort = new AbortController();
  let writes: Promise<void> = Promise.resolve();
  let gate: Promise<void> = Promise.resolve();
  let listening = false;
  const inflight = new Set<Promise<void>>();

  const observe = (
    direction: Envelope["direction"],
    stream: "post" | "get",
    message: JsonRpcMessage,
    eventId?: string,
  ) => {
    if (!options.onMessage) return;
    options.onMessage(createEnvelope(direction, message, { stream, upstreamEventId: eventId }));
  };

  const write = (message: JsonRpcMessage): Promise<void> => {
    writes = writes.then(() => options.output(JSON.stringify(message) + "\n")).catch(report);
    return writes;
  };

  const pump = async (messages: ReadableStream<UpstreamMessage>, stream: "post" | "get") => {
    try {
      for await (const { message, eventId } of messages) {
        observe("server-to-client", stream, message, eventId);
        await write(message);
      }
    } catch (error) {
      report(error);
    }
  };

  const listen = async () => {
    if (listening) return;
    listening = true;
    try {
      const stream = await connection.listen({});
      if (stream === null) return;
      if ("type" in stream) {
        await stream.response.body?.cancel().catch(() => {});
        return;
      }
      await pump(stream, "get");
    } catch (error) {
      report(error);
    }
  };

  const handle = async (message: JsonRpcMessage): Promise<void> => {
    observe("client-to-server", "post", message);
    let reply: UpstreamReply;
    try {
      reply = await connection.send([message], { signal: abort.signal });
    } catch (error) {
      report(error);
      if (isRequest(message)) {
        const why = error instanceof Error ? error.message : "The upstream failed";
        await write(errorResponse(message.id, ErrorCode.UpstreamError, why));
      }
      return;
    }
    if (reply.type === "accepted") {
      if (isNotification(message) && message.method === "notifications/initialized") void listen();
      return;
    }
    if (reply.type === "http") {
      if (isRequest(message)) await write(await errorForHttpFailure(message.id, reply.response));
      else await reply.response.body?.cancel().catch(() => {});
      return;
    }
    await pump(reply.messages, "post");
  };

  /** `initialize` and notifications are sent before what follows them; requests only need to be on their way. */
  const dispatch = (message: JsonRpcMessage) => {
    const ordered = isNotification(message) || (isRequest(message) && message.method === "initialize");
    gate = gate.then(() => {
      const task = handle(message).catch(report);
      inflight.add(task);
      void task.finally(() => inflight.delete(task));
      return ordered ? task : undefined;
    });
  };

  const read = async (): Promise<"input-closed" | "closed"> => {
    try {
      const lines = splitLines(options.input, { maxLineLength: options.maxLineLength ?? 16 * 1024 * 1024 });
      for await (const line of lines) {
        if (abort.signal.aborted) return "closed";
        const parsed = parseBody(line);
        if (!parsed.ok) {
          // JSON-RPC 2.0: errors about unreadable requests carry id null.
          await write(errorResponse(null, parsed.error.code, parsed.error.message));
          continue;
        }
        for (const message of parsed.messages) dispatch(message);
      }
    } catch (error) {
      report(error);
    }
    return abort.signal.aborted ? "closed" : "input-closed";
  };

  const done = Promise.race([
    read(),
    connection.ended.then(() => abort.signal.aborted ? "closed" as const : "upstream-ended" as const),
  ]).then(async (why) => {
    await gate.catch(() => {});
    if (why === "input-closed" && inflight.size > 0) {
      // A client that wrote its requests and closed its end still gets the answers in flight.
      await withDeadline(Promise.all(inflight).then(() => {}), options.drainMs ?? 5_000, { onTimeout: () => {} });
    }
    abort.abort();
    await connection.close().catch(report);
    await writes;
    return why;
  });

  return {
    done,
    async close() {
      abort.abort();
      await connection.close().catch(report);
      await done;
    },
  };
}
