/**
 * The refusals of admission (`admission.ts`): what kind of request a refusal concerns, and the answer each
 * limit gives: 503 for the proxy-wide caps, 429 for the per-caller and per-session ones, both with
 * `Retry-After`, `Connection: close` where the connection itself is the cost, and a JSON-RPC error body
 * (docs/security.md).
 *
 * @module
 */
import { PROTOCOL_VERSION_HEADER } from "../protocol/headers.ts";
import { type Revision, STATELESS_REVISIONS } from "../protocol/revisions.ts";
import type { StreamLimits } from "./limits.ts";

/**
 * Why a request was refused: what it would have opened past the proxy's budget (`session`, `stream`),
 * the caller's `initialize` rate (`rate`), or a per-caller / per-session limit.
 */
export type RefusalKind =
  | "session"
  | "stream"
  | "rate"
  | "caller_sessions"
  | "session_requests"
  | "session_streams";

/** The reason an audit line gives for each kind of refusal (`decision: "limit_hit"`). */
export const REFUSAL_REASONS: Record<RefusalKind, string> = {
  session: "max sessions",
  stream: "max streams",
  rate: "initialize rate",
  caller_sessions: "max sessions per caller",
  session_requests: "max requests per session",
  session_streams: "max streams per session",
};

/**
 * What a request would open: a new session (POST without `Mcp-Session-Id`, i.e. `initialize` or a
 * sessionless request whose reply may stream; `GET /sse`), a stream (GET with a session id, or a POST of
 * the stateless revision: `MCP-Protocol-Version: 2026-07-28` and no session id, T-PV-06, which opens no
 * session and so is not held to the `initialize` rate; found by bench/: every stateless call was counted as
 * a session opened, and past 1,000 calls a client got 429s at 100 calls/s), or nothing that the budget
 * counts (every other request of a live session, health, metrics).
 */
export function classify(request: Request, path = "/mcp", legacyPath = "/sse"): RefusalKind | undefined {
  const method = request.method;
  if (method !== "GET" && method !== "POST") return undefined;
  const pathname = new URL(request.url).pathname;
  if (pathname === path) {
    const session = request.headers.has("mcp-session-id");
    if (method === "POST") return session ? undefined : stateless(request) ? "stream" : "session";
    return session ? "stream" : undefined;
  }
  if (pathname === legacyPath && method === "GET") return "session";
  return undefined;
}

/** Does the request declare a stateless revision in its `MCP-Protocol-Version` header? */
function stateless(request: Request): boolean {
  const version = request.headers.get(PROTOCOL_VERSION_HEADER);
  return version !== null && STATELESS_REVISIONS.includes(version as Revision);
}

/**
 * The 503 past the budget: `Retry-After`, `Connection: close` (so the socket goes too) and a JSON-RPC
 * error with `id: null` (T-RPC-06), code -32000.
 */
export function overloadedResponse(kind: RefusalKind, limits: StreamLimits, retryAfterSeconds: number): Response {
  const children = limits.maxChildren === undefined ? "" : `, ${limits.maxChildren} stdio children`;
  const message = kind === "stream"
    ? `Service Unavailable: the proxy holds its most open streams (${limits.maxStreams}); retry later`
    : `Service Unavailable: the proxy takes no new session now (at most ${limits.maxStreams} streams, ${
      Number.isFinite(limits.maxSessions) ? limits.maxSessions : "unlimited"
    } sessions${children}); retry later`;
  return new Response(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message } }), {
    status: 503,
    headers: { "content-type": "application/json", "retry-after": String(retryAfterSeconds), connection: "close" },
  });
}

/**
 * The 429 past a caller's `initialize` rate: `Retry-After` (seconds until a token is there) and a JSON-RPC
 * error with `id: null` (T-RPC-06), code -32000. The connection stays open (the caller may retry on it).
 */
export function rateLimitedResponse(retryAfterSeconds: number): Response {
  const message =
    `Too Many Requests: this caller opens sessions faster than the initialize rate; retry in ${retryAfterSeconds} s`;
  return new Response(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message } }), {
    status: 429,
    headers: { "content-type": "application/json", "retry-after": String(retryAfterSeconds) },
  });
}

/**
 * The 429 past a per-caller or per-session limit: `Retry-After` and a JSON-RPC error with `id: null`
 * (T-RPC-06), code -32000, naming the limit. The connection and the session stay open: what they carry
 * already goes on, and the client may retry this request once one of its own finishes.
 *
 * @example
 * ```ts
 * import { limitResponse } from "./refusals.ts";
 * console.assert(limitResponse("session_requests", 64, 1).status === 429);
 * ```
 */
export function limitResponse(kind: RefusalKind, limit: number, retryAfterSeconds: number): Response {
  const what = kind === "caller_sessions"
    ? `this caller holds its most live sessions (${limit}); end one (DELETE) or`
    : kind === "session_requests"
    ? `this session has its most requests in flight (${limit});`
    : `this session holds its most open streams (${limit});`;
  const message = `Too Many Requests: ${what} retry later`;
  return new Response(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message } }), {
    status: 429,
    headers: { "content-type": "application/json", "retry-after": String(retryAfterSeconds) },
  });
}

/** Most bytes of a POST body read to learn whether it carries a request (a bigger body counts as one). */
const PEEK_BYTES = 1024 * 1024;

/**
 * Whether a POST carries a JSON-RPC request (something that is answered, so may hold a slot or open a
 * stream), read from a clone. Responses and notifications are never refused by a per-session limit: a
 * server waiting on a client's response must get it. Unreadable or oversized bodies count as requests
 * when they are JSON-ish; bodies that do not parse are left to the handler (400).
 *
 * @example
 * ```ts
 * import { carriesRequest } from "./refusals.ts";
 * const body = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" });
 * console.assert(!(await carriesRequest(new Request("http://127.0.0.1/mcp", { method: "POST", body }))));
 * ```
 */
export async function carriesRequest(request: Request): Promise<boolean> {
  const reader = request.clone().body?.getReader();
  if (!reader) return false;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size <= PEEK_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    return false;
  }
  if (size > PEEK_BYTES) {
    await reader.cancel().catch(() => {});
    return true;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await new Blob(chunks as BlobPart[]).text());
  } catch {
    return false;
  }
  const isRequest = (m: unknown) =>
    typeof m === "object" && m !== null && "method" in m && "id" in m && (m as { id: unknown }).id !== null;
  return Array.isArray(parsed) ? parsed.some(isRequest) : isRequest(parsed);
}
