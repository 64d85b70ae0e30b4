/**
 * Reading HTTP/1.1 request heads off a byte stream, for the header-deadline front on Deno
 * (`header_front.ts`): find where a head ends, check it, drop client copies of the internal peer header,
 * add the real one, and say how the body that follows is framed so the next head can be found. Pure
 * functions on bytes; the sockets are in `header_front.ts` and `connection_bytes.ts`.
 *
 * The head is never re-encoded: kept lines are copied byte for byte, so what the server behind the front
 * parses is what the client sent, plus one line.
 *
 * @module
 */

import { PEER_HEADER } from "../protocol/headers.ts";

export { PEER_HEADER };

/** How the body after a head is framed (RFC 9112 §6). */
export type BodyFraming =
  | { kind: "length"; bytes: number }
  | { kind: "chunked" }
  /** A protocol switch (`Upgrade`) or `CONNECT`: everything after the head belongs to the server. */
  | { kind: "tunnel" };

/** A head ready to hand on: its bytes (peer header replaced) and the framing of its body. */
export interface ParsedHead {
  bytes: Uint8Array;
  framing: BodyFraming;
}

/** Why a head was refused: the HTTP status to answer and a short reason. */
export interface HeadRefusal {
  status: 400 | 431 | 501 | 503;
  reason: string;
}

const CR = 13;
const LF = 10;

/**
 * Where the head in `buffer` ends: the index just after its `\r\n\r\n`, or -1 when it has not ended yet.
 *
 * @param from Where to start looking (bytes already searched, minus 3).
 * @example
 * ```ts
 * import { headEnd } from "./request_head.ts";
 * console.assert(headEnd(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\nrest")) === 18);
 * ```
 */
export function headEnd(buffer: Uint8Array, from = 0): number {
  for (let i = Math.max(0, from); i + 3 < buffer.length; i++) {
    if (buffer[i + 3] !== LF) continue;
    if (buffer[i] === CR && buffer[i + 1] === LF && buffer[i + 2] === CR) return i + 4;
  }
  return -1;
}

/** The bytes as a string, one character per byte (latin1, exact for every byte value). */
export function latin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8_192) {
    out += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 8_192)));
  }
  return out;
}

/**
 * Checks a complete head (request line, header lines, blank line) and rewrites it: every header whose name
 * starts with {@linkcode PEER_HEADER} is dropped (a client must not speak for the front) and
 * `x-mcpwire-peer: <peerValue>` is added last.
 *
 * Refused (400): a bare CR or LF inside a line, obsolete line folding, a header line without a colon or
 * with whitespace before it, `Content-Length` that is not one decimal number, `Transfer-Encoding` other
 * than exactly `chunked`, or both framing headers at once (RFC 9112 §6.1: a request smuggling vector when
 * two parsers disagree). `Transfer-Encoding` other than `chunked` is 501.
 *
 * @param head The head, including its final `\r\n\r\n`.
 * @param peerValue What the front vouches for: a token and the client's address.
 * @returns The rewritten head and its body framing, or a refusal.
 * @example
 * ```ts
 * import { rewriteHead } from "./request_head.ts";
 * const head = new TextEncoder().encode("POST /mcp HTTP/1.1\r\nContent-Length: 2\r\nX-Mcpwire-Peer: forged\r\n\r\n");
 * const out = rewriteHead(head, "t 127.0.0.1:5");
 * console.assert("framing" in out && out.framing.kind === "length");
 * ```
 */
export function rewriteHead(head: Uint8Array, peerValue: string): ParsedHead | HeadRefusal {
  // One character per byte, so string positions are byte positions (windows-1252 under the name latin1
  // also maps each byte to one character; only positions and ASCII names are read from the text).
  const text = _decoder.decode(head);
  const last = text.length - 4;
  const requestEnd = text.indexOf("\r\n");
  const requestLine = text.slice(0, requestEnd);
  if (_STRAY.test(text.slice(0, last)) || !_REQUEST_LINE.test(requestLine)) {
    return { status: 400, reason: "malformed request line or line ending" };
  }
  const dropped: [number, number][] = [];
  let contentLength: string | undefined;
  let chunked = false;
  let upgrade = requestLine.startsWith("CONNECT ");
  for (let at = requestEnd + 2; at < last + 2;) {
    const end = text.indexOf("\r\n", at);
    const colon = text.indexOf(":", at);
    const c = text.charCodeAt(at);
    if (colon <= at || colon > end || c === 32 || c === 9) return { status: 400, reason: "malformed header line" };
    const before = text.charCodeAt(colon - 1);
    if (before === 32 || before === 9) return { status: 400, reason: "malformed header line" };
    const name = text.slice(at, colon).toLowerCase();
    if (name.startsWith(PEER_HEADER)) dropped.push([at, end + 2]);
    else if (name === "content-length") {
      const value = text.slice(colon + 1, end).trim();
      if (!/^\d{1,15}$/.test(value) || (contentLength !== undefined && contentLength !== value)) {
        return { status: 400, reason: "invalid Content-Length" };
      }
      contentLength = value;
    } else if (name === "transfer-encoding") {
      if (text.slice(colon + 1, end).trim().toLowerCase() !== "chunked" || chunked) {
        return { status: 501, reason: "unsupported Transfer-Encoding" };
      }
      chunked = true;
    } else if (name === "upgrade") {
      upgrade = true;
    }
    at = end + 2;
  }
  if (chunked && contentLength !== undefined) {
    return { status: 400, reason: "both Content-Length and Transfer-Encoding" };
  }
  const added = _encoder.encode(`${PEER_HEADER}: ${peerValue}\r\n\r\n`);
  const removed = dropped.reduce((sum, [a, b]) => sum + b - a, 0);
  const bytes = new Uint8Array(head.length - 2 - removed + added.length);
  let to = 0;
  let from = 0;
  for (const [a, b] of dropped) {
    bytes.set(head.subarray(from, a), to);
    to += a - from;
    from = b;
  }
  bytes.set(head.subarray(from, head.length - 2), to);
  bytes.set(added, to + head.length - 2 - from);
  const framing: BodyFraming = upgrade
    ? { kind: "tunnel" }
    : chunked
    ? { kind: "chunked" }
    : { kind: "length", bytes: Number(contentLength ?? 0) };
  return { bytes, framing };
}

const _decoder = new TextDecoder("latin1");
const _encoder = new TextEncoder();
/** A CR or LF that is not part of a CRLF. */
const _STRAY = /\r(?!\n)|(?<!\r)\n/;
const _REQUEST_LINE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+ \S+ HTTP\/1\.[01]$/;

/**
 * The size of a chunk from its size line (`1a;ext=1` without the CRLF), or -1 when it is not hex.
 *
 * @example
 * ```ts
 * import { chunkSize } from "./request_head.ts";
 * console.assert(chunkSize("1a;x=1") === 26 && chunkSize("zz") === -1);
 * ```
 */
export function chunkSize(line: string): number {
  const size = line.split(";")[0]!.trim();
  return /^[0-9a-fA-F]{1,12}$/.test(size) ? parseInt(size, 16) : -1;
}

/**
 * A complete HTTP/1.1 response the front sends itself, with a JSON-RPC error body (`id: null`) and
 * `Connection: close`: 400, 431 and 501 say the request was malformed (code -32600); 503 says the server
 * cannot take it now (out of descriptors; code -32000 and `Retry-After: 2`, as the other limits, T-RPC-06).
 *
 * @example
 * ```ts
 * import { refusalResponse } from "./request_head.ts";
 * const text = new TextDecoder().decode(refusalResponse({ status: 431, reason: "request head over 16384 bytes" }));
 * console.assert(text.startsWith("HTTP/1.1 431 "));
 * ```
 */
export function refusalResponse(refusal: HeadRefusal): Uint8Array {
  const phrase = {
    400: "Bad Request",
    431: "Request Header Fields Too Large",
    501: "Not Implemented",
    503: "Service Unavailable",
  }[refusal.status];
  const busy = refusal.status === 503;
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: null,
    error: busy
      ? { code: -32000, message: `Server busy: ${refusal.reason}` }
      : { code: -32600, message: `Invalid Request: ${refusal.reason}` },
  });
  const bytes = new TextEncoder().encode(body);
  return new TextEncoder().encode(
    `HTTP/1.1 ${refusal.status} ${phrase}\r\ncontent-type: application/json\r\ncontent-length: ${bytes.length}\r\n` +
      `${busy ? "retry-after: 2\r\n" : ""}connection: close\r\n\r\n${body}`,
  );
}
