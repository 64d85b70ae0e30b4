/**
 * Content negotiation and body reading for the Streamable HTTP endpoint.
 *
 * @module
 */
import { HttpError } from "./errors.ts";

/**
 * Does an `Accept` value admit `type` (e.g. `text/event-stream`)? Wildcards (`*\/*`, `text/*`) count;
 * an absent header accepts everything (RFC 9110 §12.5.1); `q=0` excludes.
 */
export function accepts(accept: string | null, type: string): boolean {
  if (accept === null || accept.trim() === "") return true;
  const [major] = type.split("/");
  for (const part of accept.split(",")) {
    const [range, ...params] = part.trim().toLowerCase().split(";");
    if (params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p))) continue;
    if (range === type || range === "*/*" || range === `${major}/*`) return true;
  }
  return false;
}

/**
 * Checks a POST's headers: `Content-Type` must be `application/json` (parameters allowed, T-CT-01) and
 * `Accept` must admit both `application/json` and `text/event-stream` (T-POST-02).
 *
 * @throws {HttpError} `unsupported_media_type` (415) or `not_acceptable` (406).
 */
export function checkPostHeaders(headers: Headers): void {
  const type = (headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    throw new HttpError("unsupported_media_type", "Unsupported Media Type: Content-Type must be application/json");
  }
  const accept = headers.get("accept");
  if (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream")) {
    throw new HttpError(
      "not_acceptable",
      "Not Acceptable: Accept must list both application/json and text/event-stream",
    );
  }
}

/** Default time a client may take to send a whole request body, in ms (slow-body clients; docs/security.md). */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;

/**
 * Reads a request body as UTF-8 text, refusing more than `limit` bytes without reading them all, and giving up
 * on a client that takes longer than `timeoutMs` to send it (a slow-body attack holds a connection and a
 * handler with a body trickled byte by byte; the header deadline does not cover bodies).
 *
 * @param request The request.
 * @param limit Largest body in bytes.
 * @param timeoutMs Longest time to receive the whole body, in ms; 0 waits forever. @default 30_000
 * @throws {HttpError} `payload_too_large` (413) over the limit; `request_timeout` (408, with
 *   `Connection: close`) past the deadline.
 * @example
 * ```ts ignore
 * const text = await readBody(request, 4 << 20, 30_000);
 * ```
 */
export async function readBody(request: Request, limit: number, timeoutMs = DEFAULT_BODY_TIMEOUT_MS): Promise<string> {
  if (!(timeoutMs > 0)) return await readWhole(request, limit, {});
  const hold: { reader?: ReadableStreamDefaultReader<Uint8Array> } = {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(tooSlow(timeoutMs)), timeoutMs);
  });
  const reading = readWhole(request, limit, hold);
  try {
    return await Promise.race([reading, deadline]);
  } catch (error) {
    if (error instanceof HttpError && error.code === "request_timeout") {
      reading.catch(() => {});
      await hold.reader?.cancel().catch(() => {});
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function readWhole(
  request: Request,
  limit: number,
  hold: { reader?: ReadableStreamDefaultReader<Uint8Array> },
): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  // With a declared length the runtime's HTTP framing bounds the body: read it in one native call
  // (before touching `request.body`, which on Deno would set up a JS stream to read through).
  if (Number.isFinite(declared)) {
    const text = await request.text();
    if (text.length > limit) throw tooLarge(limit);
    return text;
  }
  if (!request.body) return "";
  const reader = hold.reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function tooSlow(timeoutMs: number): HttpError {
  return new HttpError(
    "request_timeout",
    `Request Timeout: the body did not arrive within ${timeoutMs} ms`,
    { connection: "close" },
  );
}

function tooLarge(limit: number): HttpError {
  return new HttpError("payload_too_large", `Payload Too Large: the body exceeds ${limit} bytes`);
}
