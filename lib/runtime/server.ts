/**
 * What a started HTTP server is, shared by the Bun and Deno ways of serving (`serve.ts`, `serve_deno.ts`).
 *
 * @module
 */

/** A Web-standard request handler: `Request` in, `Response` out. */
export type Handler = (request: Request) => Response | Promise<Response>;

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
 * `host:port` (`[v6]:port`) of an address with `hostname` and `port`.
 *
 * @example
 * ```ts
 * hostPort("::1", 8080); // "[::1]:8080"
 * ```
 */
export function hostPort(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}
