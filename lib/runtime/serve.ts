/**
 * Serving HTTP on Deno or Bun from one Web-standard handler.
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any
import { setPeer } from "../security/caller.ts";
import { refusalResponse } from "./request_head.ts";
import { type Handler, hostPort, isOutOfDescriptors, type Server } from "./server.ts";
import { peerFromInfo, serveDeno, serveDenoFronted } from "./serve_deno.ts";

export { type Handler, isOutOfDescriptors, type Server };

/** Options for {@linkcode serve}. */
export interface ServeOptions {
  /** Interface to listen on. @default "127.0.0.1" */
  hostname?: string;
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /**
   * Told when the runtime's accept loop failed (e.g. EMFILE, out of file descriptors) and the server is
   * listening again (Deno; see {@linkcode serve}). For logs.
   */
  onAcceptError?: (error: unknown, retryInMs: number) => void;
  /**
   * Longest time a client may take to send a request head, in ms (slowloris); 0 turns it off. Deno: the
   * header-deadline front enforces it (`header_front.ts`). Bun: its server cuts slow heads by itself after
   * about 10 s and takes no setting, so this value is not used there (docs/security.md).
   * @default 10000
   */
  headerTimeoutMs?: number;
  /**
   * Largest request head, in bytes; a larger one gets 431 with a JSON-RPC error body and the connection is
   * closed. Deno: the whole head as sent (front). Bun: the sum of header name and value bytes, checked in
   * the handler; Bun's own ceiling (about 16 KiB of head) applies before it, so values above it change nothing.
   * @default 16384
   */
  maxHeaderBytes?: number;
  /**
   * Deno only: put the header-deadline front before `Deno.serve` (what makes `headerTimeoutMs` and
   * `maxHeaderBytes` work there). `false` serves `Deno.serve` directly on the address. The front costs about
   * 60 µs of CPU per request (docs/performance.md), so by default it guards only addresses other hosts can
   * reach: on for any non-loopback `hostname`, off for loopback ones (see {@linkcode usesHeaderFront}).
   * @default !isLoopbackAddress(hostname)
   */
  headerFront?: boolean;
}

/**
 * Is `hostname` a loopback address (`localhost`, `127.0.0.0/8`, `::1`), which only processes on this host can
 * reach?
 *
 * @example
 * ```ts
 * isLoopbackAddress("127.0.0.1"); // true
 * isLoopbackAddress("0.0.0.0");   // false
 * ```
 */
export function isLoopbackAddress(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Does {@linkcode serve} put the header-deadline front before the server for these options? Only on Deno:
 * `options.headerFront` when given, else on for non-loopback addresses (slow clients from other hosts are
 * the threat; docs/security.md).
 *
 * @example
 * ```ts ignore
 * usesHeaderFront({ hostname: "0.0.0.0" });   // true on Deno, false on Bun
 * usesHeaderFront({ hostname: "127.0.0.1" }); // false
 * ```
 */
export function usesHeaderFront(options: ServeOptions): boolean {
  if (!(globalThis as { Deno?: unknown }).Deno || (globalThis as { Bun?: unknown }).Bun) return false;
  return options.headerFront ?? !isLoopbackAddress(options.hostname ?? "127.0.0.1");
}

/** Default {@linkcode ServeOptions.headerTimeoutMs}. */
export const DEFAULT_HEADER_TIMEOUT_MS = 10_000;
/** Default {@linkcode ServeOptions.maxHeaderBytes} (Bun's own ceiling). */
export const DEFAULT_MAX_HEADER_BYTES = 16_384;

/**
 * Idle time after which Bun closes a keep-alive connection that carries no request, in seconds. SSE
 * responses are exempt (their socket's timeout is turned off per request), so only idle sockets go:
 * with no timeout at all, clients that leave keep-alive sockets open would hold descriptors forever.
 */
export const BUN_IDLE_TIMEOUT_S = 30;

/** Is this response an open-ended stream (SSE) that no idle timeout may cut? */
function isStream(response: Response): boolean {
  return response.body !== null && (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
}

/**
 * Serves `handler` on the current runtime (Deno or Bun). Streaming bodies are sent chunk by chunk, and
 * no runtime idle timeout cuts a long-lived SSE stream or a slow request (Bun: the socket's timeout is off
 * while the handler runs and for SSE responses; idle keep-alive sockets close after
 * {@linkcode BUN_IDLE_TIMEOUT_S}).
 *
 * Out of file descriptors: Deno's accept loop ends with "Too many open files (os error 24)" and its
 * server stops accepting (connections already open keep working); here the failure is caught and the
 * server listens again on the same port, after 100 ms and then up to 1 s between attempts, until
 * descriptors are free. Bun's accept loop retries by itself (see docs/limits.md).
 *
 * @param handler Web-standard request handler.
 * @param options Interface and port.
 * @returns The running server once it listens.
 * @throws {Error} When the runtime is neither Deno nor Bun, or the port is taken.
 * @example
 * ```ts ignore
 * const server = await serve(() => new Response("ok"), { port: 0 });
 * console.log(server.url.href);
 * await server.close();
 * ```
 */
export function serve(handler: Handler, options: ServeOptions = {}): Promise<Server> {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port ?? 0;
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const g = globalThis as any;
  if (g.Bun) return Promise.resolve(serveBun(handler, hostname, port, maxHeaderBytes));
  if (g.Deno) {
    if (!usesHeaderFront({ ...options, hostname })) {
      return serveDeno(peerFromInfo(handler), { hostname, port }, options.onAcceptError);
    }
    return serveDenoFronted(handler, hostname, port, {
      headerTimeoutMs: options.headerTimeoutMs ?? DEFAULT_HEADER_TIMEOUT_MS,
      maxHeaderBytes,
      onAcceptError: options.onAcceptError,
    });
  }
  return Promise.reject(new Error("Unsupported runtime: mcpwire needs Deno 2 or Bun"));
}

/** Bun: `Bun.serve`, with per-request idle timeouts (see {@linkcode serve}) and the header byte limit. */
function serveBun(handler: Handler, hostname: string, port: number, maxHeaderBytes: number): Server {
  const g = globalThis as any;
  // A socket's timeout counts idle time, also while a handler is still working on a slow request.
  const timeout = (request: Request, seconds: number) => {
    try {
      server.timeout(request, seconds);
    } catch {
      // the client has gone; nothing to time out
    }
  };
  // Bun refuses heads past its own ~16 KiB itself; counting is only work when the limit is below that.
  const count = maxHeaderBytes < DEFAULT_MAX_HEADER_BYTES;
  const fetch = async (request: Request) => {
    if (count) {
      let bytes = 0;
      request.headers.forEach((value, name) => void (bytes += name.length + value.length));
      if (bytes > maxHeaderBytes) return tooLarge(maxHeaderBytes);
    }
    const ip = server.requestIP(request);
    if (ip) setPeer(request, hostPort(ip.address, ip.port));
    timeout(request, 0);
    const response = await handler(request);
    if (!isStream(response)) timeout(request, BUN_IDLE_TIMEOUT_S);
    return response;
  };
  // `fetch` runs only after this assignment, so it may refer to `server`.
  const server = g.Bun.serve({ hostname, port, idleTimeout: BUN_IDLE_TIMEOUT_S, fetch });
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: new URL(`http://${host}:${server.port}`),
    port: server.port,
    close: async () => {
      await server.stop(true);
    },
  };
}

/** The 431 answer for headers over `max` bytes (the same body as the Deno front's). */
function tooLarge(max: number): Response {
  const raw = new TextDecoder().decode(refusalResponse({ status: 431, reason: `request head over ${max} bytes` }));
  return new Response(raw.slice(raw.indexOf("\r\n\r\n") + 4), {
    status: 431,
    headers: { "content-type": "application/json", connection: "close" },
  });
}
