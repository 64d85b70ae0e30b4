/**
 * The per-request metadata of the stateless revision (2026-07-28): the `params._meta` keys every request
 * carries instead of a session (protocol version, client capabilities, client info), and how a request is
 * recognised as modern (T-BC-04: `_meta` with a protocol version means stateless handling).
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import {
  encodeHeaderValue,
  METHOD_HEADER,
  NAME_HEADER,
  PARAM_HEADER_PREFIX,
  PROTOCOL_VERSION_HEADER,
} from "./headers.ts";
import { NAMED_METHODS } from "./revisions.ts";

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

/** Visible ASCII without leading or trailing space: what a mirrored plain header value may be. */
const HEADER_TOKEN = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * The headers a 2026-07-28 request must carry that mirror its body (T-PV-06, T-PV-09, T-PV-10):
 * `MCP-Protocol-Version` from `_meta`, `Mcp-Method`, and `Mcp-Name` for the methods that name a target
 * (`tools/call` → `params.name`, `resources/read` → `params.uri`, `prompts/get` → `params.name`), encoded with
 * the `=?base64?…?=` form when needed. A client that cannot send headers (a stdio client through
 * `mcpwire forward`) gets them from the connector this way. `Mcp-Param-*` headers depend on the tool's
 * schema and are not derived here.
 *
 * @param message A request or notification with 2026-07-28 `_meta`.
 * @returns Lower-case header names to values; empty for a message without request metadata.
 * @example
 * ```ts
 * import { mirroredHeaders } from "./request_meta.ts";
 * const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28" };
 * const h = mirroredHeaders({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", _meta: meta } });
 * console.assert(h["mcp-method"] === "tools/call" && h["mcp-name"] === "echo");
 * ```
 */
export function mirroredHeaders(message: JsonRpcMessage): Record<string, string> {
  const version = requestMeta(message)?.[META_PROTOCOL_VERSION];
  if (typeof version !== "string" || !("method" in message)) return {};
  // A version or method with characters no header may carry (found by the property tests) is not mirrored:
  // the upstream judges the body, and the request is not lost to a `Headers` TypeError.
  if (!HEADER_TOKEN.test(version) || !HEADER_TOKEN.test(message.method)) return {};
  const headers: Record<string, string> = { [PROTOCOL_VERSION_HEADER]: version, [METHOD_HEADER]: message.method };
  const field = NAMED_METHODS[message.method];
  const target = field === undefined ? undefined : (message.params as Record<string, unknown> | undefined)?.[field];
  if (typeof target === "string") headers[NAME_HEADER] = encodeHeaderValue(target);
  return headers;
}

/**
 * The `Mcp-Param-{Name}` headers of a `tools/call` (T-PV-11): one per top-level property of the tool's
 * `inputSchema` that declares `x-mcp-header: Name`, valued with the call's argument (strings as they are,
 * other values as JSON), encoded with the `=?base64?…?=` form when needed; omitted when the argument is null
 * or absent. A 2025-era client knows nothing of these headers, so the bridge derives them here.
 *
 * @param inputSchema The tool's `inputSchema` from `tools/list` (anything else yields no headers).
 * @param args The call's `arguments`.
 * @returns Lower-case header names to values.
 * @example
 * ```ts
 * import { paramHeaders } from "./request_meta.ts";
 * const schema = { type: "object", properties: { region: { type: "string", "x-mcp-header": "Region" } } };
 * console.assert(paramHeaders(schema, { region: "eu" })["mcp-param-region"] === "eu");
 * ```
 */
export function paramHeaders(inputSchema: unknown, args: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  const properties = (inputSchema as { properties?: unknown } | null)?.properties;
  if (!properties || typeof properties !== "object" || !args || typeof args !== "object") return headers;
  for (const [key, schema] of Object.entries(properties as Record<string, unknown>)) {
    const name = (schema as Record<string, unknown> | null)?.["x-mcp-header"];
    const value = (args as Record<string, unknown>)[key];
    if (typeof name !== "string" || value === undefined || value === null) continue;
    const text = typeof value === "string" ? value : JSON.stringify(value);
    headers[`${PARAM_HEADER_PREFIX}${name.toLowerCase()}`] = encodeHeaderValue(text);
  }
  return headers;
}
