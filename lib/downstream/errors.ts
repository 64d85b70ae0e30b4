/**
 * The one error path of the downstream endpoints: an {@linkcode HttpError} with a `code` discriminant, one
 * table from code to HTTP status and JSON-RPC error code, and one function that turns it into a `Response`
 * whose body is always a JSON-RPC error (never HTML, never a stack trace).
 *
 * @module
 */
import { ErrorCode, errorResponse, type JsonRpcId } from "../jsonrpc/types.ts";
import { StoreUnavailableError } from "../session/registry.ts";

/** The table: error code → HTTP status and JSON-RPC error code. Rule IDs from `docs/spec-rules.md`. */
export const HTTP_ERRORS = {
  /** T-RPC-01: the body is not JSON. */
  parse_error: { status: 400, rpc: ErrorCode.ParseError },
  /** T-RPC-02, T-BATCH-04..06: not a valid JSON-RPC message, or a batch the revision forbids. */
  invalid_request: { status: 400, rpc: ErrorCode.InvalidRequest },
  /** T-SESS-05: a non-initialize request without `Mcp-Session-Id`. */
  session_required: { status: 400, rpc: ErrorCode.ServerError },
  /** T-SESS-06: unknown, expired or deleted session. */
  session_not_found: { status: 404, rpc: ErrorCode.SessionNotFound },
  /** T-PV-02: invalid or unsupported `MCP-Protocol-Version`. */
  bad_protocol_version: { status: 400, rpc: ErrorCode.ServerError },
  /** Unknown or evicted `Last-Event-ID` (T-RES-08). */
  bad_last_event_id: { status: 400, rpc: ErrorCode.ServerError },
  /** T-SEC-01/02: `Origin` present and not allowed. */
  forbidden_origin: { status: 403, rpc: ErrorCode.ServerError },
  /** T-SEC-04: foreign `Host` on a loopback bind (DNS rebinding). */
  forbidden_host: { status: 403, rpc: ErrorCode.ServerError },
  /** T-SEC-06: missing or invalid credentials (with `WWW-Authenticate`). */
  unauthorized: { status: 401, rpc: ErrorCode.ServerError },
  /** T-SEC-06: the token lacks a scope a rule requires (`WWW-Authenticate: … error="insufficient_scope"`). */
  insufficient_scope: { status: 403, rpc: ErrorCode.ServerError },
  /** T-EP-03: method not served (with `Allow`). */
  method_not_allowed: { status: 405, rpc: ErrorCode.ServerError },
  /** T-POST-02, T-GET-02: `Accept` lacks a required media type. */
  not_acceptable: { status: 406, rpc: ErrorCode.ServerError },
  /** A second `initialize` on a live session (T-SESS-09). */
  already_initialized: { status: 400, rpc: ErrorCode.InvalidRequest },
  /** Body over the size limit. */
  payload_too_large: { status: 413, rpc: ErrorCode.ServerError },
  /** The body did not arrive within the body deadline (slow-body clients, `--body-timeout`). */
  request_timeout: { status: 408, rpc: ErrorCode.ServerError },
  /** T-CT-01: request `Content-Type` is not `application/json`. */
  unsupported_media_type: { status: 415, rpc: ErrorCode.ServerError },
  /** The upstream cannot be reached or answered nonsense. */
  bad_gateway: { status: 502, rpc: ErrorCode.UpstreamError },
  /** The shared session store is away (Redis down): sent with `Retry-After` (issue 14). */
  store_unavailable: { status: 503, rpc: ErrorCode.ServerError },
  /** The instance is shutting down (SIGTERM): sent with `Retry-After`, the balancer picks another (issue 14). */
  shutting_down: { status: 503, rpc: ErrorCode.ServerError },
  /** No route (not the MCP endpoint). */
  not_found: { status: 404, rpc: ErrorCode.ServerError },
  /** T-PV-06, T-PV-09/10: a 2026-07-28 header missing, malformed or disagreeing with the body. */
  header_mismatch: { status: 400, rpc: ErrorCode.HeaderMismatch },
  /** T-PV-07: a 2026-07-28 request for a protocol version mcpwire does not serve (`data`: supported, requested). */
  unsupported_protocol_version: { status: 400, rpc: ErrorCode.UnsupportedProtocolVersion },
  /** T-PV-12: a 2026-07-28 request whose `_meta` lacks the protocol version or client capabilities. */
  invalid_params: { status: 400, rpc: ErrorCode.InvalidParams },
  /**
   * T-BC-03: a 2026-07-28 request for an upstream that speaks only 2025 revisions. Deliberately not a
   * modern error code, so a dual-era client falls back to `initialize`.
   */
  stateless_unavailable: { status: 400, rpc: ErrorCode.ServerError },
  /** A bug in mcpwire; the message is generic, the details go to the log. */
  internal: { status: 500, rpc: ErrorCode.InternalError },
} as const;

/** A key of {@linkcode HTTP_ERRORS}. */
export type HttpErrorCode = keyof typeof HTTP_ERRORS;

/**
 * An error answered with an HTTP status and a JSON-RPC error body.
 *
 * @example
 * ```ts
 * import { HttpError } from "./errors.ts";
 * const response = new HttpError("session_not_found", "Session not found").toResponse();
 * console.assert(response.status === 404);
 * ```
 */
export class HttpError extends Error {
  override name = "HttpError";
  /** The discriminant; see {@linkcode HTTP_ERRORS}. */
  readonly code: HttpErrorCode;
  /** Extra response headers (e.g. `Allow` for 405). */
  readonly headers: Record<string, string>;
  /** The JSON-RPC error's `data` and the request id to echo (T-RPC-06), when known. */
  readonly detail: HttpErrorDetail;

  constructor(
    code: HttpErrorCode,
    message: string,
    headers: Record<string, string> = {},
    detail: HttpErrorDetail = {},
  ) {
    super(message);
    this.code = code;
    this.headers = headers;
    this.detail = detail;
  }

  /** The HTTP status of this error. */
  get status(): number {
    return HTTP_ERRORS[this.code].status;
  }

  /**
   * The response: the status, the extra headers, and a JSON-RPC error body, with the request id when it
   * was read and without `id` otherwise (T-RPC-06).
   */
  toResponse(): Response {
    const body = errorResponse(this.detail.id, HTTP_ERRORS[this.code].rpc, this.message, this.detail.data);
    return jsonResponse(body, this.status, this.headers);
  }
}

/** Optional parts of an {@linkcode HttpError}'s JSON-RPC body. */
export interface HttpErrorDetail {
  /** The request id, when the body could be read (T-RPC-06: echoed). */
  id?: JsonRpcId;
  /** The error's `data` (e.g. `{ supported, requested }` for T-PV-07). */
  data?: unknown;
}

/**
 * Turns anything thrown inside a handler into a response: an {@linkcode HttpError} as itself, anything else
 * as a generic 500 (the details belong in the log, not in the body).
 */
export function toErrorResponse(error: unknown): Response {
  if (error instanceof HttpError) return error.toResponse();
  if (error instanceof StoreUnavailableError) {
    return new HttpError("store_unavailable", `Service Unavailable: ${error.message}`, { "retry-after": "1" })
      .toResponse();
  }
  return new HttpError("internal", "Internal error").toResponse();
}

/**
 * A JSON response with `Content-Type: application/json`. Record headers (every caller here) are passed to
 * the Response as one record: a `Headers` built first was one more copy per reply (found by bench/).
 */
export function jsonResponse(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  if (headers instanceof Headers || Array.isArray(headers)) {
    const h = new Headers(headers);
    h.set("content-type", "application/json");
    return new Response(JSON.stringify(body), { status, headers: h });
  }
  const record: Record<string, string> = { "content-type": "application/json" };
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== "content-type") record[name] = value;
  }
  return new Response(JSON.stringify(body), { status, headers: record });
}
