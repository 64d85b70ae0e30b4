/**
 * Serving HTTP on Deno or Bun from one Web-standard handler.
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any

/** A Web-standard request handler: `Request` in, `Response` out. */
export type Handler = (request: Request) => Response | Promise<Response>;

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
}

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

/** Is this error "too many open files" (EMFILE / ENFILE, "os error 24" in Deno)? */
export function isOutOfDescriptors(error: unknown): boolean {
  const text = error instanceof Error
    ? `${error.name} ${error.message} ${(error as { code?: string }).code}`
    : String(error);
  return /EMFILE|ENFILE|os error 2[34]\b|Too many open files/i.test(text);
}

/** A running HTTP server. */
export interface Server {
  /** Base URL the server listens on, e.g. `http://127.0.0.1:41234`. */
  url: URL;
  /** The port actually bound. */
  port: number;
  /** Stops listening and closes open connections (including open SSE streams). */
  close(): Promise<void>;
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
  const g = globalThis as any;
  if (g.Bun) {
    // A socket's timeout counts idle time, also while a handler is still working on a slow request.
    const timeout = (request: Request, seconds: number) => {
      try {
        server.timeout(request, seconds);
      } catch {
        // the client has gone; nothing to time out
      }
    };
    const fetch = async (request: Request) => {
      timeout(request, 0);
      const response = await handler(request);
      if (!isStream(response)) timeout(request, BUN_IDLE_TIMEOUT_S);
      return response;
    };
    // `fetch` runs only after this assignment, so it may refer to `server`.
    const server = g.Bun.serve({ hostname, port, idleTimeout: BUN_IDLE_TIMEOUT_S, fetch });
    const host = hostname.includes(":") ? `[${hostname}]` : hostname;
    return Promise.resolve({
      url: new URL(`http://${host}:${server.port}`),
      port: server.port,
      close: async () => {
        await server.stop(true);
      },
    });
  }
  if (g.Deno) return serveDeno(handler, hostname, port, options.onAcceptError);
  return Promise.reject(new Error("Unsupported runtime: mcpwire needs Deno 2 or Bun"));
}

/** Deno: `Deno.serve`, listening again whenever its accept loop dies of EMFILE (see {@linkcode serve}). */
function serveDeno(
  handler: Handler,
  hostname: string,
  port: number,
  onAcceptError: ServeOptions["onAcceptError"],
): Promise<Server> {
  const g = globalThis as any;
  // One signal for every incarnation: close() aborts them all, with their open connections.
  const ac = new AbortController();
  const finished: Promise<unknown>[] = [];
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
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
    let boundPort = port;
    const listen = () => {
      const server = g.Deno.serve({
        hostname,
        port: boundPort,
        signal: ac.signal,
        onListen: (addr: { port: number }) => {
          delayMs = 100;
          boundPort = addr.port;
          if (listening) return;
          listening = true;
          resolve({
            url: new URL(`http://${host}:${addr.port}`),
            port: addr.port,
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
