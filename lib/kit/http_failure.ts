/**
 * The one mapping from an upstream's HTTP-level refusal to the JSON-RPC error a client gets, for the places
 * where a status code cannot reach the client as it is (a batch member, a stdio client, a legacy SSE stream,
 * a replay): the upstream's own JSON-RPC error when its body is one, otherwise `ErrorCode.UpstreamError`
 * naming the status. `data` carries the status and any `WWW-Authenticate` challenge (a stdio client cannot
 * see headers, and an OAuth client needs the challenge to start its flow).
 *
 * @module
 */
import { ErrorCode, errorResponse, type JsonRpcError, type JsonRpcId } from "../jsonrpc/types.ts";

/** How much of a refused body is read for its error, in characters. */
const MAX_BODY = 4096;

/**
 * The JSON-RPC error for request `id` that the upstream refused with `response` (the body is consumed).
 *
 * @param id The request's id (`null` when the error belongs to no request).
 * @param response The upstream's HTTP answer (any status; typically 4xx or 5xx).
 * @returns An error response: the upstream's code and message when its body was a JSON-RPC error, else
 *   `-32003` "The upstream answered HTTP <status>: <start of the body>"; `data` is `{ status, wwwAuthenticate? }`.
 * @example
 * ```ts
 * import { errorForHttpFailure } from "./http_failure.ts";
 * const error = await errorForHttpFailure(1, new Response("busy", { status: 503 }));
 * console.assert(error.error.message === "The upstream answered HTTP 503: busy");
 * ```
 */
export async function errorForHttpFailure(id: JsonRpcId | null, response: Response): Promise<JsonRpcError> {
  const challenge = response.headers.get("www-authenticate");
  const data = { status: response.status, ...(challenge !== null ? { wwwAuthenticate: challenge } : {}) };
  let text = "";
  try {
    text = (await response.text()).slice(0, MAX_BODY);
  } catch {
    // No body, or it broke: the status says enough.
  }
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === "number" && typeof body.error.message === "string") {
      return errorResponse(id, body.error.code, body.error.message, data);
    }
  } catch {
    // Not JSON.
  }
  const detail = text.trim() === "" ? "" : `: ${text.trim().slice(0, 200)}`;
  return errorResponse(id, ErrorCode.UpstreamError, `The upstream answered HTTP ${response.status}${detail}`, data);
}

/**
 * A 502 whose body is an id-less JSON-RPC error (`ErrorCode.UpstreamError`): the upstream answered something
 * a proxy cannot relay, or could not be reached.
 *
 * @example
 * ```ts
 * import { badGateway } from "./http_failure.ts";
 * console.assert(badGateway("The upstream failed").status === 502);
 * ```
 */
export function badGateway(message: string): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code: ErrorCode.UpstreamError, message } }), {
    status: 502,
    headers: { "content-type": "application/json" },
  });
}
