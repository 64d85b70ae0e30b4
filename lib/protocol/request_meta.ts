/**
 * The per-request metadata of the stateless revision (2026-07-28): the `params._meta` keys every request
 * carries instead of a session (protocol version, client capabilities, client info), and how a request is
 * recognised as modern (T-BC-04: `_meta` with a protocol version means stateless handling).
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";

/** `_meta` key of the request's protocol version (2026-07-28, T-PV-06, T-PV-12). */
export const META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";
/** `_meta` key of the client's capabilities, required on every request (T-PV-12). */
export const META_CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
/** `_meta` key of the client's name and version (optional, T-PV-12). */
export const META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo";

/**
 * The `params._meta` object of a request or notification, when it has one.
 *
 * @example
 * ```ts
 * import { requestMeta } from "./request_meta.ts";
 * console.assert(requestMeta({ jsonrpc: "2.0", id: 1, method: "ping" }) === undefined);
 * ```
 */
export function requestMeta(message: JsonRpcMessage): Record<string, unknown> | undefined {
  if (!("method" in message)) return undefined;
  const params = message.params;
  if (!params || typeof params !== "object" || Array.isArray(params)) return undefined;
  const meta = params._meta;
  return meta && typeof meta === "object" && !Array.isArray(meta) ? meta as Record<string, unknown> : undefined;
}

/**
 * Does this message carry 2026-07-28 request metadata, i.e. a `_meta` protocol version (any value: an
 * unsupported one is still a modern request, answered -32022, T-PV-07)? 2025-era clients never send it.
 *
 * @example
 * ```ts
 * import { carriesRequestMetadata, META_PROTOCOL_VERSION } from "./request_meta.ts";
 * const m = { jsonrpc: "2.0" as const, id: 1, method: "server/discover", params: { _meta: { [META_PROTOCOL_VERSION]: "2026-07-28" } } };
 * console.assert(carriesRequestMetadata(m));
 * ```
 */
export function carriesRequestMetadata(message: JsonRpcMessage): boolean {
  const meta = requestMeta(message);
  return meta !== undefined && META_PROTOCOL_VERSION in meta;
}
