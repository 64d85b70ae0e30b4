/**
 * Test helpers for the downstream endpoint: an in-process upstream (the bundled example server wired
 * through the real stdio connector, with no child process), and a small raw HTTP client.
 *
 * @module
 */
import { serveExample } from "../lib/demo/example_server.ts";
import { type StdioChild, stdioUpstream } from "../lib/upstream/stdio.ts";
import type { Upstream } from "../lib/upstream/types.ts";
import { decodeSse } from "../lib/sse/decode.ts";
import type { JsonRpcMessage } from "../lib/jsonrpc/types.ts";

/** A fake child that runs the example server in process. `kill` ends it like an exit. */
export function inProcessExampleChild(): StdioChild {
  const toServer = new TransformStream<Uint8Array, Uint8Array>();
  const fromServer = new TransformStream<Uint8Array, Uint8Array>();
  const encoder = new TextEncoder();
  const writer = fromServer.writable.getWriter();
  let resolveExit!: (code: number | null) => void;
  const exited = new Promise<number | null>((r) => (resolveExit = r));
  let done = false;
  const finish = (code: number | null) => {
    if (done) return;
    done = true;
    void writer.close().catch(() => {});
    resolveExit(code);
  };
  void serveExample(toServer.readable, (text) => (done ? Promise.resolve() : writer.write(encoder.encode(text))))
    .then(() => finish(0), () => finish(1));
  return {
    stdin: toServer.writable,
    stdout: fromServer.readable,
    stderr: new ReadableStream({ start: (c) => c.close() }),
    exited,
    kill: () => {
      void toServer.writable.abort().catch(() => {});
      finish(null);
    },
  };
}

/** The example server as an upstream, in process (one fake child per connection). */
export function exampleUpstream(): Upstream {
  return stdioUpstream({ command: "example", spawn: () => inProcessExampleChild(), killGraceMs: 50 });
}

/** A raw client for one endpoint: `handle` is the Web-standard handler under test. */
export class RawClient {
  sessionId: string | undefined;
  constructor(readonly handle: (request: Request) => Promise<Response>, readonly url = "http://127.0.0.1/mcp") {}

  /** POSTs a body (object or raw text) with the standard headers, the session id and `extra`. */
  post(body: unknown, extra: Record<string, string> = {}): Promise<Response> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    if (this.sessionId) headers["mcp-session-id"] = this.sessionId;
    return this.handle(
      new Request(this.url, {
        method: "POST",
        headers: { ...headers, ...extra },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    );
  }

  /** Initializes a session at `revision`, sends `notifications/initialized`, and keeps the session id. */
  async initialize(revision = "2025-11-25"): Promise<Response> {
    this.sessionId = undefined;
    const response = await this.post({
      jsonrpc: "2.0",
      id: "init",
      method: "initialize",
      params: { protocolVersion: revision, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    });
    this.sessionId = response.headers.get("mcp-session-id") ?? undefined;
    await messagesOf(response);
    const note = await this.post({ jsonrpc: "2.0", method: "notifications/initialized" });
    await note.body?.cancel();
    return response;
  }

  /** Sends a request with any method and headers (GET, DELETE, PUT …). */
  request(method: string, headers: Record<string, string> = {}): Promise<Response> {
    const h: Record<string, string> = { ...headers };
    if (this.sessionId && !("mcp-session-id" in h)) h["mcp-session-id"] = this.sessionId;
    return this.handle(new Request(this.url, { method, headers: h }));
  }
}

/** A decoded SSE event, as a client sees it. */
export interface SeenEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
  retry?: number;
}

/** Reads a whole SSE body into events (`retry` fields are attached to the next event). */
export async function sseEvents(response: Response, limit = Infinity): Promise<SeenEvent[]> {
  const out: SeenEvent[] = [];
  let retry: number | undefined;
  const reader = decodeSse(response.body!).getReader();
  while (out.length < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    if (value.type === "retry") retry = value.retry;
    if (value.type !== "event") continue;
    const e: SeenEvent = { id: value.id, event: value.event, data: value.data };
    if (retry !== undefined) e.retry = retry;
    retry = undefined;
    out.push(e);
  }
  if (out.length >= limit) await reader.cancel();
  return out;
}

/** The JSON-RPC messages of a response, whether JSON or SSE (priming events skipped). */
export async function messagesOf(response: Response): Promise<JsonRpcMessage[]> {
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("text/event-stream")) {
    return (await sseEvents(response)).filter((e) => e.data !== "").flatMap((e) => {
      const v = JSON.parse(e.data);
      return Array.isArray(v) ? v : [v];
    });
  }
  if (type.startsWith("application/json")) {
    const v = await response.json();
    return Array.isArray(v) ? v : [v];
  }
  await response.body?.cancel();
  return [];
}
