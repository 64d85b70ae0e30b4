/**
 * The edge checks of a 2026-07-28 request: what an intermediary can verify without knowing the upstream's
 * tools — the protocol version header against `_meta` (T-PV-06), the revisions mcpwire serves (T-PV-07),
 * the `_meta` shape (T-PV-12), `Mcp-Method` and `Mcp-Name` against the body, Base64 sentinel decoded
 * (T-PV-09, T-PV-10). `Mcp-Param-*` headers are not checked: the proxy does not know the tools'
 * `x-mcp-header` annotations, so it forwards them unchanged and the upstream validates them (T-PV-11).
 *
 * @module
 */
import type { JsonRpcNotification, JsonRpcRequest } from "../jsonrpc/types.ts";
import { isRequest } from "../jsonrpc/types.ts";
import { decodeHeaderValue, METHOD_HEADER, NAME_HEADER, PROTOCOL_VERSION_HEADER } from "../protocol/headers.ts";
import { META_CLIENT_CAPABILITIES, META_PROTOCOL_VERSION, requestMeta } from "../protocol/request_meta.ts";
import { NAMED_METHODS, type Revision, STATELESS_REVISIONS } from "../protocol/revisions.ts";
import { HttpError, type HttpErrorCode } from "./errors.ts";

/**
 * Checks a 2026-07-28 request or notification at the edge, in the order the rules need: header present,
 * `_meta` version present, header = `_meta` (-32020), version served (-32022), client capabilities
 * (-32602), `Mcp-Method` and `Mcp-Name` (-32020). Every failure is HTTP 400 and echoes the request id.
 *
 * @param headers The HTTP request's headers.
 * @param message The single JSON-RPC message of the POST.
 * @returns The request's revision (one of `STATELESS_REVISIONS`).
 * @throws {HttpError} `header_mismatch` (400/-32020), `unsupported_protocol_version` (400/-32022, `data`
 *   `{ supported, requested }`) or `invalid_params` (400/-32602).
 * @example
 * ```ts
 * import { checkModernRequest } from "./modern_checks.ts";
 * const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} };
 * const headers = new Headers({ "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" });
 * console.assert(checkModernRequest(headers, { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: meta } }) === "2026-07-28");
 * ```
 */
export function checkModernRequest(headers: Headers, message: JsonRpcRequest | JsonRpcNotification): Revision {
  const fail = (code: HttpErrorCode, text: string, data?: unknown): never => {
    throw new HttpError(code, text, {}, {
      ...(isRequest(message) ? { id: message.id } : {}),
      ...(data !== undefined ? { data } : {}),
    });
  };
  const header = headers.get(PROTOCOL_VERSION_HEADER);
  if (header === null) fail("header_mismatch", "Header mismatch: the MCP-Protocol-Version header is required");
  const meta = requestMeta(message);
  const version = meta?.[META_PROTOCOL_VERSION];
  if (typeof version !== "string") {
    fail("invalid_params", `Invalid params: _meta must carry ${META_PROTOCOL_VERSION}`);
  }
  if (header !== version) {
    fail("header_mismatch", `Header mismatch: MCP-Protocol-Version ${header} does not match _meta ${version}`);
  }
  if (!STATELESS_REVISIONS.includes(version as Revision)) {
    fail("unsupported_protocol_version", `Unsupported protocol version: ${version}`, {
      supported: [...STATELESS_REVISIONS],
      requested: version,
    });
  }
  const capabilities = meta?.[META_CLIENT_CAPABILITIES];
  if (!capabilities || typeof capabilities !== "object" || Array.isArray(capabilities)) {
    fail("invalid_params", `Invalid params: _meta must carry ${META_CLIENT_CAPABILITIES}`);
  }
  _checkMirrors(headers, message, fail);
  return version as Revision;
}

/** `Mcp-Method` (required on requests, compared when present on notifications) and `Mcp-Name` (T-PV-09/10). */
function _checkMirrors(
  headers: Headers,
  message: JsonRpcRequest | JsonRpcNotification,
  fail: (code: HttpErrorCode, text: string) => never,
): void {
  const method = headers.get(METHOD_HEADER);
  if (method === null && isRequest(message)) {
    fail("header_mismatch", "Header mismatch: the Mcp-Method header is required");
  }
  if (method !== null && method !== message.method) {
    fail("header_mismatch", `Header mismatch: Mcp-Method ${method} does not match body method ${message.method}`);
  }
  const field = NAMED_METHODS[message.method];
  if (field === undefined || !isRequest(message)) return;
  const raw = headers.get(NAME_HEADER);
  if (raw === null) fail("header_mismatch", `Header mismatch: the Mcp-Name header is required for ${message.method}`);
  const name = decodeHeaderValue(raw!);
  if (name === undefined) fail("header_mismatch", "Header mismatch: Mcp-Name has invalid characters or Base64");
  const params = message.params as Record<string, unknown> | undefined;
  if (params?.[field] !== name) {
    fail("header_mismatch", `Header mismatch: Mcp-Name does not match params.${field}`);
  }
}
