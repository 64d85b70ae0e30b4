/**
 * The bytes of one header-front connection (`header_front.ts`): a buffered reader of the client's side, whole
 * writes, a body handed on by its framing (`Content-Length` bytes, or chunked up to its last chunk and
 * trailers, RFC 9112 §7.1), and the server's bytes relayed back one read at a time (backpressure). Deno
 * connections, read with plain `read` calls; nothing here looks into a request head (`request_head.ts`).
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any
import { chunkSize, latin1 } from "./request_head.ts";

/** Longest chunk-size or trailer line of a chunked body, in bytes. */
const MAX_CHUNK_LINE = 4_096;

/** A client connection closed on purpose (deadline, refusal, the other side gone). */
export class Closed extends Error {}

/** Bytes read from a socket at once. */
const READ_SIZE = 16_384;

/**
 * Writes all of `bytes` to a Deno connection (its `write` may take part of them).
 *
 * @throws {Error} When the connection is closed or reset (the error of its `write`).
 * @example
 * ```ts ignore
 * await writeAll(conn, new TextEncoder().encode("HTTP/1.1 431 Request Header Fields Too Large\r\n\r\n"));
 * ```
 */
export async function writeAll(conn: any, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(at === 0 ? bytes : bytes.subarray(at));
}

/**
 * Reads a client connection with a buffer, so a head and the body after it may share a chunk. Plain
 * `read` calls, not the connection's `ReadableStream`: the stream machinery costs more per chunk than the
 * rest of the front (measured). Reads of at most 16 KiB; read errors count as the end of the stream.
 *
 * @example
 * ```ts ignore
 * const input = new Input(conn);
 * while (headEnd(input.buffer) === -1) if (!(await input.more())) break;
 * ```
 */
export class Input {
  /** Bytes read and not taken yet. */
  buffer: Uint8Array = new Uint8Array(0);
  #conn: any;
  #done = false;
  constructor(conn: any) {
    this.#conn = conn;
  }
  /** Reads one more chunk into the buffer; false at the end of the stream (or once cancelled). */
  async more(): Promise<boolean> {
    if (this.#done) return false;
    const chunk = new Uint8Array(READ_SIZE);
    let n: number | null;
    try {
      n = await this.#conn.read(chunk);
    } catch {
      n = null;
    }
    if (n === null || this.#done) {
      this.#done = true;
      return false;
    }
    const value = chunk.subarray(0, n);
    if (this.buffer.length === 0) this.buffer = value;
    else {
      const joined = new Uint8Array(this.buffer.length + value.length);
      joined.set(this.buffer);
      joined.set(value, this.buffer.length);
      this.buffer = joined;
    }
    return true;
  }
  /** Takes the first `n` buffered bytes. */
  take(n: number): Uint8Array {
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }
  /** Takes up to `n` bytes: the buffered ones, else the next chunk (or part of it); empty at the end. */
  async upTo(n: number): Promise<Uint8Array> {
    if (this.buffer.length === 0 && !(await this.more())) return this.buffer;
    return this.take(Math.min(n, this.buffer.length));
  }
  /** Ends reading: `more` answers false from now on (a read in flight is dropped). */
  cancel(): void {
    this.#done = true;
  }
}

/**
 * Copies the server's bytes to the client until the server closes (or `stopped()`), one read at a time:
 * the next read waits for the client to take the last chunk (backpressure). Never rejects.
 *
 * @example
 * ```ts ignore
 * const responses = relay(backend, conn, () => answering);
 * ```
 */
export async function relay(from: any, to: any, stopped: () => boolean): Promise<void> {
  const buffer = new Uint8Array(READ_SIZE);
  try {
    while (!stopped()) {
      const n = await from.read(buffer);
      if (n === null || stopped()) return;
      await writeAll(to, buffer.subarray(0, n));
    }
  } catch {
    // Either side went away.
  }
}

/**
 * Hands `n` body bytes (a `Content-Length` body, RFC 9112 §6.2) to the server behind.
 *
 * @throws {Closed} When the client ends before them.
 * @example
 * ```ts ignore
 * if (framing.kind === "length") await forward(input, backend, framing.bytes);
 * ```
 */
export async function forward(input: Input, backend: any, n: number): Promise<void> {
  while (n > 0) {
    const chunk = await input.upTo(n);
    if (chunk.length === 0) throw new Closed();
    n -= chunk.length;
    await writeAll(backend, chunk);
  }
}

/** Reads one CRLF-terminated line of a chunked body (with its CRLF). @throws {Closed} On EOF or a long line. */
async function line(input: Input): Promise<Uint8Array> {
  while (true) {
    const at = input.buffer.indexOf(10);
    if (at !== -1) return input.take(at + 1);
    if (input.buffer.length > MAX_CHUNK_LINE || !(await input.more())) throw new Closed();
  }
}

/**
 * Hands a chunked body (RFC 9112 §7.1) to the server behind, byte for byte, stopping after its last chunk
 * and trailers.
 *
 * @throws {Closed} When the client ends early, a size or trailer line is over 4 KiB, or a size is not hex.
 * @example
 * ```ts ignore
 * if (framing.kind === "chunked") await forwardChunked(input, backend);
 * ```
 */
export async function forwardChunked(input: Input, backend: any): Promise<void> {
  while (true) {
    const sizeLine = await line(input);
    await writeAll(backend, sizeLine);
    const size = chunkSize(latin1(sizeLine).trimEnd());
    // A malformed size: the server behind answers 400 and closes; nothing after it can be framed.
    if (size < 0) throw new Closed();
    if (size === 0) break;
    await forward(input, backend, size + 2);
  }
  // Trailers, up to the blank line.
  while (true) {
    const trailer = await line(input);
    await writeAll(backend, trailer);
    if (trailer.length <= 2) return;
  }
}
