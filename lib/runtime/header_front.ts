/**
 * The header-deadline front for Deno. `Deno.serve` has no header read deadline and no header size option
 * (Deno 2.9; `node:http`'s `headersTimeout` is ignored there too, measured), so a client trickling its
 * headers one byte per second holds a connection for as long as it likes. This front listens on the
 * user's address with `Deno.listen`, reads each request head itself within `headerTimeoutMs` and up to
 * `maxHeaderBytes`, adds the client's address in an internal header, and hands the bytes to the real
 * `Deno.serve` on a private loopback port (a request that did not pass here lacks the token and is
 * refused there). Bodies are counted
 * (`Content-Length` or chunked framing) so that the next head on a kept-alive connection is read the same
 * way; responses are piped back untouched, with backpressure both ways (the bytes: `connection_bytes.ts`).
 *
 * Deadlines: the first head of a connection must be complete `headerTimeoutMs` after the accept; a later
 * head `headerTimeoutMs` after its first byte (a kept-alive connection may rest between requests, and a
 * client cannot send the next head while an SSE response is still open).
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any
import { headEnd, type HeadRefusal, refusalResponse, rewriteHead } from "./request_head.ts";
import { Closed, forward, forwardChunked, Input, relay, writeAll } from "./connection_bytes.ts";

/** Options of {@linkcode startHeaderFront}. */
export interface HeaderFrontOptions {
  hostname: string;
  port: number;
  /** Longest time to read a request head, in ms; 0 turns the deadline off. */
  headerTimeoutMs: number;
  /** Largest request head (request line, headers, blank line), in bytes; larger gets 431. */
  maxHeaderBytes: number;
  /** Connects to the server behind the front (a fresh connection per client connection). */
  connectBackend: () => Promise<any>;
  /** The token the server behind checks in `x-mcpwire-peer` (requests that did not pass here lack it). */
  token: string;
  /** Told when accepting failed (EMFILE) and when the front accepts again. */
  onAcceptError?: (error: unknown, retryInMs: number) => void;
  isOutOfDescriptors: (error: unknown) => boolean;
}

/** A running front. */
export interface HeaderFront {
  port: number;
  /** Stops accepting and closes every open connection. */
  close(): void;
}

/**
 * Starts the front: listens on `hostname:port` and serves every connection as described above.
 *
 * @throws {Error} When the address cannot be bound (e.g. `AddrInUse`).
 * @example
 * ```ts ignore
 * const front = startHeaderFront({ hostname: "127.0.0.1", port: 0, headerTimeoutMs: 10_000,
 *   maxHeaderBytes: 16_384, token, connectBackend: () => Deno.connect({ hostname: "127.0.0.1", port }),
 *   isOutOfDescriptors });
 * ```
 */
export function startHeaderFront(options: HeaderFrontOptions): HeaderFront {
  const g = globalThis as any;
  const listener = g.Deno.listen({ hostname: options.hostname, port: options.port });
  const open = new Set<any>();
  let closed = false;
  (async () => {
    let delayMs = 100;
    while (!closed) {
      let conn;
      try {
        conn = await listener.accept();
        delayMs = 100;
      } catch (error) {
        if (closed) return;
        if (!options.isOutOfDescriptors(error)) {
          options.onAcceptError?.(error, -1);
          return;
        }
        // Out of descriptors: the listener stays usable; wait until some are free.
        options.onAcceptError?.(error, delayMs);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        delayMs = Math.min(1_000, delayMs * 2);
        continue;
      }
      // Small answers must not wait for the client's delayed ACK (Nagle); Deno.serve sets the same.
      try {
        conn.setNoDelay(true);
      } catch {
        // not a TCP connection
      }
      open.add(conn);
      void serveConnection(conn, options).finally(() => open.delete(conn));
    }
  })();
  return {
    port: listener.addr.port,
    close() {
      closed = true;
      try {
        listener.close();
      } catch {
        // already closed
      }
      for (const conn of open) tryClose(conn);
    },
  };
}

function tryClose(conn: any): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

/** The client's address as `host:port` (`[v6]:port`). */
function addressOf(conn: any): string {
  const { hostname, port } = conn.remoteAddr ?? {};
  return String(hostname).includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

/**
 * Serves one client connection: heads read under the deadline, handed on with the peer header, bodies
 * counted, the responses of the server behind piped back.
 */
async function serveConnection(conn: any, options: HeaderFrontOptions): Promise<void> {
  const input = new Input(conn);
  const peerValue = `${options.token} ${addressOf(conn)}`;
  let backend: any;
  let responses: Promise<void> | undefined;
  // Set when the front answers by itself: the server's bytes are no longer relayed.
  let answering = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const arm = () => {
    if (options.headerTimeoutMs <= 0) return;
    timer = setTimeout(() => {
      timedOut = true;
      input.cancel();
      tryClose(conn);
    }, options.headerTimeoutMs);
  };
  const refuse = async (refusal: HeadRefusal) => {
    // Stop relaying the server's bytes first: the refusal must not interleave with a response.
    answering = true;
    if (backend) tryClose(backend);
    await responses;
    await writeAll(conn, refusalResponse(refusal)).catch(() => {});
    throw new Closed();
  };
  try {
    arm();
    for (let first = true;; first = false) {
      // Read a head: a later one's deadline starts at its first byte.
      if (!first && input.buffer.length === 0 && !(await input.more())) break;
      let end = headEnd(input.buffer);
      // A later head that came whole needs no timer (the usual case: one read, one head).
      if (!first && end === -1) arm();
      while (end === -1) {
        if (input.buffer.length > options.maxHeaderBytes) {
          await refuse({ status: 431, reason: `request head over ${options.maxHeaderBytes} bytes` });
        }
        const searched = input.buffer.length;
        if (!(await input.more())) {
          if (timedOut || first || input.buffer.length > 0) throw new Closed();
          break;
        }
        end = headEnd(input.buffer, searched - 3);
      }
      if (end === -1) break;
      clearTimeout(timer);
      if (end > options.maxHeaderBytes) {
        await refuse({ status: 431, reason: `request head over ${options.maxHeaderBytes} bytes` });
      }
      const head = rewriteHead(input.take(end), peerValue);
      if ("status" in head) await refuse(head);
      const { bytes, framing } = head as Exclude<typeof head, HeadRefusal>;
      if (!backend) {
        backend = await options.connectBackend().catch(async (error) => {
          await refuse({
            status: 503,
            reason: options.isOutOfDescriptors(error) ? "out of file descriptors" : "server not accepting",
          });
        });
        responses = relay(backend, conn, () => answering).then(() => {
          // The server closed its side: so does the client's connection.
          if (!answering) tryClose(conn), input.cancel();
        });
      }
      await writeAll(backend, bytes);
      if (framing.kind === "tunnel") {
        while (true) {
          const chunk = await input.upTo(Infinity);
          if (chunk.length === 0) break;
          await writeAll(backend, chunk);
        }
        break;
      }
      if (framing.kind === "length") await forward(input, backend, framing.bytes);
      else await forwardChunked(input, backend);
    }
    // The client finished sending: let the server's answers drain, then close.
    if (backend) await Promise.resolve(backend.closeWrite()).catch(() => {});
    await responses;
  } catch {
    // Closed on purpose (deadline, refusal) or broken either way (reset, the server behind gone): nothing
    // more to answer.
  } finally {
    clearTimeout(timer);
    answering = true;
    input.cancel();
    tryClose(conn);
    if (backend) tryClose(backend);
  }
}
