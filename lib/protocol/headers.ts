/**
 * HTTP header names of the MCP transports, and the hop-by-hop set a proxy must not forward.
 *
 * @module
 */

/** `Mcp-Session-Id` (2025-03-26+; 2025-11-25 prose spells it `MCP-Session-Id`; names are case-insensitive). */
export const SESSION_ID_HEADER = "mcp-session-id";
/** `MCP-Protocol-Version` (2025-06-18+, T-PV-01). */
export const PROTOCOL_VERSION_HEADER = "mcp-protocol-version";
/** `Last-Event-ID`: the SSE resumption cursor (T-RES-02). */
export const LAST_EVENT_ID_HEADER = "last-event-id";

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1, RFC 9112 §7) and headers a proxy recomputes: never forwarded in
 * either direction. Headers named in a `Connection` header are removed as well (see {@linkcode endToEndHeaders}).
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  // Recomputed per hop, not hop-by-hop in the RFC sense but never copied by a proxy.
  "host",
  "content-length",
  "content-encoding",
  "accept-encoding",
]);

/**
 * The media type of a `Content-Type` value: lower case, without parameters (`""` when absent), e.g.
 * `text/event-stream` for `text/event-stream; charset=utf-8` (T-POST-05 compares media types this way).
 *
 * @example
 * ```ts
 * import { mediaType } from "./headers.ts";
 * console.assert(mediaType("Application/JSON; charset=utf-8") === "application/json");
 * ```
 */
export function mediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * Copies the end-to-end headers of `source`: hop-by-hop headers, headers listed in `Connection`, and the
 * names in `drop` are left out.
 *
 * @param source Incoming headers.
 * @param drop Extra lower-case names to leave out (e.g. the session id, which the proxy rewrites).
 * @example
 * ```ts
 * import { endToEndHeaders } from "./headers.ts";
 * const h = endToEndHeaders(new Headers({ connection: "close, x-a", "x-a": "1", authorization: "Bearer t" }));
 * console.assert(h.get("authorization") === "Bearer t" && !h.has("x-a"));
 * ```
 */
export function endToEndHeaders(source: Headers, drop: Iterable<string> = []): Headers {
  const skip = new Set(drop);
  for (const name of (source.get("connection") ?? "").split(",")) {
    const n = name.trim().toLowerCase();
    if (n) skip.add(n);
  }
  const out = new Headers();
  source.forEach((value, name) => {
    if (!HOP_BY_HOP_HEADERS.has(name) && !skip.has(name)) out.set(name, value);
  });
  return out;
}
