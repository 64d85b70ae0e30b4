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
/** `Mcp-Method` (2026-07-28): the request's `method`, mirrored for intermediaries (T-PV-09). */
export const METHOD_HEADER = "mcp-method";
/** `Mcp-Name` (2026-07-28): `params.name` or `params.uri` of `tools/call`, `resources/read`, `prompts/get` (T-PV-09). */
export const NAME_HEADER = "mcp-name";
/** Prefix of `Mcp-Param-{Name}` headers (2026-07-28, from `x-mcp-header`); forwarded unchanged (T-PV-11). */
export const PARAM_HEADER_PREFIX = "mcp-param-";

const SENTINEL = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;

/**
 * Decodes a 2026-07-28 mirrored header value (`Mcp-Name`, `Mcp-Param-*`): the Base64 sentinel form
 * `=?base64?<base64 of UTF-8>?=` becomes its text; a plain value must be visible ASCII, space or tab
 * (RFC 9110 §5.5) and is returned as it is (T-PV-10).
 *
 * @param value The header value as received.
 * @returns The decoded text, or `undefined` when the value has invalid characters or bad Base64.
 * @example
 * ```ts
 * import { decodeHeaderValue } from "./headers.ts";
 * console.assert(decodeHeaderValue("=?base64?SGVsbG8sIOS4lueVjA==?=") === "Hello, 世界");
 * console.assert(decodeHeaderValue("get_weather") === "get_weather");
 * ```
 */
export function decodeHeaderValue(value: string): string | undefined {
  if (value.startsWith("=?base64?") && value.endsWith("?=")) {
    const match = SENTINEL.exec(value);
    if (!match) return undefined;
    try {
      const bytes = Uint8Array.from(atob(match[1]!), (c) => c.charCodeAt(0));
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return undefined;
    }
  }
  return /^[\t\x20-\x7e]*$/.test(value) ? value : undefined;
}

/**
 * Encodes text as a 2026-07-28 mirrored header value: as it is when it is plain visible ASCII without
 * leading or trailing whitespace and does not look like the sentinel, else `=?base64?…?=` (T-PV-10).
 *
 * @example
 * ```ts
 * import { encodeHeaderValue } from "./headers.ts";
 * console.assert(encodeHeaderValue("us-west1") === "us-west1");
 * console.assert(encodeHeaderValue(" padded ") === "=?base64?IHBhZGRlZCA=?=");
 * ```
 */
export function encodeHeaderValue(text: string): string {
  const plain = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(text) &&
    !(text.startsWith("=?base64?") && text.endsWith("?="));
  if (plain) return text;
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return `=?base64?${btoa(binary)}?=`;
}

/**
 * mcpwire's internal header from its header-deadline front (Deno) to the server behind it: a per-process
 * token and the client's address. Clients' copies are dropped by the front; it is never forwarded.
 */
export const PEER_HEADER = "x-mcpwire-peer";

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
  // mcpwire's own, between its front and its server (it carries a per-process token).
  PEER_HEADER,
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
