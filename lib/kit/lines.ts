/**
 * Newline-delimited JSON-RPC framing (the MCP stdio transport): splitting a byte stream into lines.
 *
 * @module
 */

/** Options for {@linkcode splitLines}. */
export interface SplitLinesOptions {
  /** Largest line accepted, in characters; longer lines error the stream. @default 16_777_216 */
  maxLineLength?: number;
}

/**
 * Splits a UTF-8 byte stream into lines (LF or CRLF), without the line ends; empty lines are skipped.
 * A final line without a line end is delivered when the stream ends.
 *
 * @throws {RangeError} Through the stream, when a line outgrows `maxLineLength`.
 * @example
 * ```ts
 * import { splitLines } from "./lines.ts";
 * const lines = [];
 * for await (const l of splitLines(new Response("a\nb\n").body!)) lines.push(l);
 * console.assert(lines.join() === "a,b");
 * ```
 */
export function splitLines(bytes: ReadableStream<Uint8Array>, options: SplitLinesOptions = {}): ReadableStream<string> {
  const max = options.maxLineLength ?? 16 * 1024 * 1024;
  let buffer = "";
  return bytes.pipeThrough(new TextDecoderStream()).pipeThrough(
    new TransformStream<string, string>({
      transform(chunk, controller) {
        buffer += chunk;
        let start = 0;
        let nl: number;
        while ((nl = buffer.indexOf("\n", start)) !== -1) {
          const line = buffer.slice(start, nl).replace(/\r$/, "");
          if (line.trim() !== "") controller.enqueue(line);
          start = nl + 1;
        }
        buffer = buffer.slice(start);
        if (buffer.length > max) throw new RangeError(`A line exceeded the limit of ${max} characters`);
      },
      flush(controller) {
        const line = buffer.replace(/\r$/, "");
        if (line.trim() !== "") controller.enqueue(line);
      },
    }),
  );
}
