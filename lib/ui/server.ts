/**
 * The `--ui` web handler: the page, its script, a live SSE stream of the traffic buffer, and tape export.
 * It is served on a listener of its own (never the proxy's endpoint), loopback by default, with the
 * DNS-rebinding Host/Origin check of the proxy (T-SEC-01/04) and an `authorize` hook for the proxy's auth.
 *
 * @module
 */
import { encodeComment, encodeEvent } from "../sse/encode.ts";
import { createSecurityCheck } from "../downstream/security.ts";
import { HttpError } from "../downstream/errors.ts";
import type { TrafficBuffer } from "./buffer.ts";
import { UI_PAGE, UI_SCRIPT } from "./page.ts";

/**
 * Decides whether a request to the UI may proceed: `undefined` lets it through, a `Response` (401 with a
 * challenge, 403) refuses it. The proxy's authentication, when configured, is applied here.
 */
export type UiAuthorize = (request: Request) => Response | undefined | Promise<Response | undefined>;

/** Options of {@linkcode createUiHandler}. */
export interface UiHandlerOptions {
  /** The buffer to show. */
  buffer: TrafficBuffer;
  /** The UI is bound to a loopback address, so foreign `Host` values are refused (T-SEC-04). @default true */
  loopbackOnly?: boolean;
  /** Host names allowed besides loopback ones (the proxy's `--allow-host`). */
  allowedHosts?: string[];
  /**
   * The proxy's authentication check (the same one its MCP endpoint applies), run before every route.
   * @default none: anyone who can reach the (loopback) listener may look
   */
  authorize?: UiAuthorize;
  /** Idle time before an SSE keep-alive comment, ms. @default 15000 */
  keepAliveMs?: number;
}

const encoder = new TextEncoder();

/**
 * Creates the UI's Web handler. Routes: `GET /` the page, `GET /ui.js` its script, `GET /events` the live
 * stream (`snapshot` event first: `{sessions, entries}`, then one `entry` event per new entry: `{entry,
 * session}`), `GET /tape?session=ID` one session as a tape file.
 *
 * @param options The buffer, the Host check and the auth hook.
 * @returns `(Request) => Promise<Response>`; 404 for other paths, 405 for other methods, 403 for a
 * foreign Host or Origin.
 * @example
 * ```ts
 * import { TrafficBuffer } from "./buffer.ts";
 * import { createUiHandler } from "./server.ts";
 * const ui = createUiHandler({ buffer: new TrafficBuffer({ upstream: "x" }) });
 * const page = await ui(new Request("http://127.0.0.1:9/"));
 * console.assert(page.headers.get("content-type")!.startsWith("text/html"));
 * ```
 */
export function createUiHandler(options: UiHandlerOptions): (request: Request) => Promise<Response> {
  const check = createSecurityCheck({
    loopbackOnly: options.loopbackOnly ?? true,
    allowedHosts: options.allowedHosts ?? [],
  });
  return async (request) => {
    try {
      check(request);
    } catch (error) {
      if (error instanceof HttpError) return text(403, error.message);
      throw error;
    }
    const refused = await options.authorize?.(request);
    if (refused) return refused;
    if (request.method !== "GET") {
      return new Response("Method Not Allowed\n", { status: 405, headers: { allow: "GET" } });
    }
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/":
        return asset(UI_PAGE, "text/html; charset=utf-8");
      case "/ui.js":
        return asset(UI_SCRIPT, "text/javascript; charset=utf-8");
      case "/events":
        return liveStream(options.buffer, options.keepAliveMs ?? 15_000);
      case "/tape":
        return tapeFile(options.buffer, url.searchParams.get("session") ?? "");
      default:
        return text(404, `Not Found: ${url.pathname}`);
    }
  };
}

function text(status: number, body: string): Response {
  return new Response(body + "\n", { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

function asset(body: string, type: string): Response {
  return new Response(body, {
    headers: {
      "content-type": type,
      "cache-control": "no-store",
      "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
      "x-content-type-options": "nosniff",
    },
  });
}

function tapeFile(buffer: TrafficBuffer, session: string): Response {
  const name = `mcpwire-${(session || "no-session").replace(/[^\w.-]/g, "_").slice(0, 40)}.jsonl`;
  return new Response(buffer.tape(session), {
    headers: {
      "content-type": "application/jsonl; charset=utf-8",
      "content-disposition": `attachment; filename="${name}"`,
    },
  });
}

/** The snapshot, then each new entry, with keep-alive comments; ends when the page goes away. */
function liveStream(buffer: TrafficBuffer, keepAliveMs: number): Response {
  let stop = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (chunk: string) => {
        try {
          controller.enqueue(encoder.encode(chunk));
        } catch {
          stop();
        }
      };
      send(
        encodeEvent({
          event: "snapshot",
          data: JSON.stringify({ upstream: buffer.upstream, sessions: buffer.sessions(), entries: buffer.entries() }),
        }),
      );
      const unsubscribe = buffer.subscribe((e) => send(encodeEvent({ event: "entry", data: JSON.stringify(e) })));
      const timer = keepAliveMs > 0 ? setInterval(() => send(encodeComment("keep-alive")), keepAliveMs) : undefined;
      stop = () => {
        unsubscribe();
        if (timer !== undefined) clearInterval(timer);
      };
    },
    cancel() {
      stop();
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" },
  });
}
