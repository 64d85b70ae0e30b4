/**
 * Serving on Deno: `Deno.serve`, listening again after EMFILE, optionally behind the header-deadline front
 * (`header_front.ts`, docs/security.md).
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any
import { setPeer } from "../security/caller.ts";
import { startHeaderFront } from "./header_front.ts";
import { PEER_HEADER } from "./request_head.ts";
import { type Handler, hostPort, isOutOfDescriptors, type Server } from "./server.ts";

/** Told when the accept loop failed and the server listens again after `retryInMs` (-1: gave up). */
type OnAcceptError = ((error: unknown, retryInMs: number) => void) | undefined;

/**
 * A Deno handler that records `info.remoteAddr` as the request's peer (`peerOf`; no front).
 *
 * @example
 * ```ts ignore
 * const server = await serveDeno(peerFromInfo(handler), { hostname: "127.0.0.1", port: 0 }, undefined);
 * ```
 */
export function peerFromInfo(handler: Handler): DenoHandler {
  return (request, info) => {
    const addr = info?.remoteAddr;
    if (addr?.hostname !== undefined) setPeer(request, hostPort(addr.hostname, addr.port));
    return handler(request);
  };
}

/** What `Deno.serve` calls. */
export type DenoHandler = (request: Request, info: any) => Response | Promise<Response>;

/**
 * Deno with the header-deadline front (`header_front.ts`): `Deno.serve` listens on a free loopback port,
 * and the front on the user's address. The front vouches for each request head with a random token and the
 * client's address in {@linkcode PEER_HEADER}; a request without the token did not pass the front (a local
 * process connecting to the loopback port, or one smuggled inside a body the front counted differently)
 * and gets 400.
 *
 * @returns The running front (its `url` and `port` are the user's address) once both listen.
 * @throws {Error} When either address cannot be bound.
 * @example
 * ```ts ignore
 * const server = await serveDenoFronted(handler, "0.0.0.0", 8080, {
 *   headerTimeoutMs: 10_000,
 *   maxHeaderBytes: 16_384,
 *   onAcceptError: undefined,
 * });
 * ```
 */
export async function serveDenoFronted(
  handler: Handler,
  hostname: string,
  port: number,
  front: { headerTimeoutMs: number; maxHeaderBytes: number; onAcceptError: OnAcceptError },
): Promise<Server> {
  const g = globalThis as any;
  const token = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0"))
    .join("");
  const prefix = `${token} `;
  const vouched: DenoHandler = (request) => {
    const value = request.headers.get(PEER_HEADER);
    if (value === null || !value.startsWith(prefix)) {
      return new Response(
        JSON.stringify({
          jsonrpc: "2.0",
          id: null,
          error: { code: -32600, message: "Invalid Request: request framing not understood" },
        }),
        { status: 400, headers: { "content-type": "application/json", connection: "close" } },
      );
    }
    setPeer(request, value.slice(prefix.length));
    return handler(request);
  };
  // Loopback TCP, not a Unix socket: Deno names requests from a Unix socket `http+unix://…`, and giving the
  // handler a rebuilt `Request` with the client's URL doubled the front's cost (measured, ~100 µs each).
  const inner = await serveDeno(vouched, { hostname: "127.0.0.1", port: 0 }, front.onAcceptError);
  const connectBackend = async () => {
    const conn = await g.Deno.connect({ hostname: "127.0.0.1", port: inner.port });
    conn.setNoDelay(true);
    return conn;
  };
  let outer;
  try {
    outer = startHeaderFront({
      hostname,
      port,
      headerTimeoutMs: front.headerTimeoutMs,
      maxHeaderBytes: front.maxHeaderBytes,
      token,
      connectBackend,
      ...(front.onAcceptError ? { onAcceptError: front.onAcceptError } : {}),
      isOutOfDescriptors,
    });
  } catch (error) {
    await inner.close();
    throw error;
  }
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: new URL(`http://${host}:${outer.port}`),
    port: outer.port,
    close: async () => {
      outer.close();
      await inner.close();
    },
  };
}

/**
 * Deno: `Deno.serve` on `address`, listening again whenever its accept loop dies of EMFILE (`serve` in
 * `serve.ts` describes the back-off: 100 ms, doubling up to 1 s).
 *
 * @returns The running server once it listens.
 * @throws {Error} When the address cannot be bound (e.g. the port is taken).
 * @example
 * ```ts ignore
 * const server = await serveDeno(peerFromInfo(handler), { hostname: "127.0.0.1", port: 0 }, undefined);
 * await server.close();
 * ```
 */
export function serveDeno(
  handler: DenoHandler,
  address: { hostname: string; port: number },
  onAcceptError: OnAcceptError,
): Promise<Server> {
  const g = globalThis as any;
  // One signal for every incarnation: close() aborts them all, with their open connections.
  const ac = new AbortController();
  const finished: Promise<unknown>[] = [];
  const onError = (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    return new Response(
      JSON.stringify({ jsonrpc: "2.0", error: { code: -32603, message: `Internal error: ${message}` } }),
      { status: 500, headers: { "content-type": "application/json" } },
    );
  };
  return new Promise((resolve, reject) => {
    let listening = false;
    let delayMs = 100;
    // Listening again must take the port actually bound (port 0 would pick another one).
    let bound = address;
    const listen = () => {
      const server = g.Deno.serve({
        ...bound,
        signal: ac.signal,
        onListen: (addr: { port: number }) => {
          delayMs = 100;
          bound = { hostname: bound.hostname, port: addr.port };
          if (listening) return;
          listening = true;
          resolve({
            url: new URL(`http://${hostPort(bound.hostname, bound.port)}`),
            port: bound.port,
            close: async () => {
              ac.abort();
              await Promise.all(finished.map((f) => f.catch(() => {})));
            },
          });
        },
        onError,
      }, handler);
      // Without this catch an EMFILE from the accept loop is an uncaught rejection that ends the process.
      finished.push(server.finished.catch((error: unknown) => {
        if (ac.signal.aborted || !isOutOfDescriptors(error)) throw error;
        retry(error);
      }));
      return server;
    };
    const retry = (error: unknown) => {
      const wait = delayMs;
      delayMs = Math.min(1_000, delayMs * 2);
      onAcceptError?.(error, wait);
      setTimeout(() => {
        if (ac.signal.aborted) return;
        try {
          listen();
        } catch (again) {
          if (isOutOfDescriptors(again)) retry(again);
          else onAcceptError?.(again, -1);
        }
      }, wait);
    };
    try {
      listen();
    } catch (error) {
      reject(error);
    }
  });
}
