/**
 * Small message and stream helpers every kind of test uses: the client's `initialize` request and reading a
 * whole stream.
 *
 * @module
 */

/** A client's `initialize` request for `protocolVersion`, with no capabilities. */
export function initRequest(protocolVersion = "2025-11-25", id: number | string = 1) {
  return {
    jsonrpc: "2.0" as const,
    id,
    method: "initialize",
    params: { protocolVersion, capabilities: {}, clientInfo: { name: "mcpwire-test", version: "1" } },
  };
}

/** Reads every item of a stream (a reply's messages, a decoded SSE body). */
export async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}
