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
 * no runtime idle timeout cuts a long-lived SSE stream (Bun's default of 10 s is turned off).
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
    const server = g.Bun.serve({ hostname, port, idleTimeout: 0, fetch: handler });
    const host = hostname.includes(":") ? `[${hostname}]` : hostname;
    return Promise.resolve({
      url: new URL(`http://${host}:${server.port}`),
      port: server.port,
      close: async () => {
        await server.stop(true);
      },
    });
  }
  if (g.Deno) {
    return new Promise((resolve, reject) => {
      const ac = new AbortController();
      try {
        const server = g.Deno.serve({
          hostname,
          port,
          signal: ac.signal,
          onListen: (addr: { port: number }) => {
            const host = hostname.includes(":") ? `[${hostname}]` : hostname;
            resolve({
              url: new URL(`http://${host}:${addr.port}`),
              port: addr.port,
              close: async () => {
                ac.abort();
                await server.finished.catch(() => {});
              },
            });
          },
          onError: (error: unknown) => {
            const message = error instanceof Error ? error.message : String(error);
            return new Response(
              JSON.stringify({ jsonrpc: "2.0", error: { code: -32603, message: `Internal error: ${message}` } }),
              { status: 500, headers: { "content-type": "application/json" } },
            );
          },
        }, handler);
      } catch (error) {
        reject(error);
      }
    });
  }
  return Promise.reject(new Error("Unsupported runtime: mcpwire needs Deno 2 or Bun"));
}
