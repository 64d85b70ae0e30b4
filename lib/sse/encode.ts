/**
 * The SSE encoder: the only place in mcpwire where `text/event-stream` frames are built
 * (WHATWG HTML §9.2 "Server-sent events").
 *
 * @module
 */

/** One SSE event to send. Every field is optional; an event with no `data` is sent as `data:` (empty). */
export interface SseEvent {
  /** `id:` field: the event id used for resumption (must not contain CR, LF or NUL). */
  id?: string;
  /** `event:` field: the event type; MCP uses `message` (and `endpoint` in 2024-11-05). */
  event?: string;
  /** `data:` payload; newlines become several `data:` lines. */
  data?: string;
  /** `retry:` field: reconnection delay in ms. */
  retry?: number;
}

const encoder = new TextEncoder();

/**
 * Encodes one event as a frame (fields, then a blank line).
 *
 * @throws {TypeError} When `id` or `event` contains a line break or NUL, or `retry` is not a
 * non-negative integer: such a frame would be misparsed by every client.
 * @example
 * ```ts
 * import { encodeEvent } from "./encode.ts";
 * console.assert(encodeEvent({ id: "1", data: "{}" }) === "id: 1\ndata: {}\n\n");
 * ```
 */
export function encodeEvent(event: SseEvent): string {
  let frame = "";
  if (event.event !== undefined) frame += `event: ${singleLine(event.event, "event")}\n`;
  if (event.id !== undefined) frame += `id: ${singleLine(event.id, "id")}\n`;
  if (event.retry !== undefined) {
    if (!Number.isInteger(event.retry) || event.retry < 0) {
      throw new TypeError(`SSE retry must be a non-negative integer, got ${event.retry}`);
    }
    frame += `retry: ${event.retry}\n`;
  }
  if (event.data !== undefined || event.id !== undefined || event.event !== undefined) {
    const data = event.data ?? "";
    // Most data (a JSON-RPC message) is one line: no split.
    if (data.indexOf("\n") === -1 && data.indexOf("\r") === -1) frame += data === "" ? "data:\n" : `data: ${data}\n`;
    else for (const line of data.split(/\r\n|\r|\n/)) frame += line === "" ? "data:\n" : `data: ${line}\n`;
  }
  return frame + "\n";
}

/**
 * Encodes a comment line (`: text`), used as a keep-alive on idle streams; receivers ignore it.
 */
export function encodeComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, " ")}\n\n`;
}

/** {@linkcode encodeEvent} as UTF-8 bytes, ready to enqueue on a response body. */
export function encodeEventBytes(event: SseEvent): Uint8Array {
  return encoder.encode(encodeEvent(event));
}

/** {@linkcode encodeComment} as UTF-8 bytes. */
export function encodeCommentBytes(text: string): Uint8Array {
  return encoder.encode(encodeComment(text));
}

function singleLine(value: string, field: string): string {
  if (/[\r\n\0]/.test(value)) throw new TypeError(`SSE ${field} must not contain CR, LF or NUL`);
  return value;
}
