/**
 * `server/discover` answered for a 2025-era upstream (issue 13 part 1, T-BC-04): the upstream's
 * `initialize` result, learned once per upstream, mapped to a 2026-07-28 DiscoverResult, and the client's
 * 2026-07-28 request metadata mapped to the `initialize` a bridged upstream session starts with.
 *
 * Revision mapping (docs/bridging.md): the client side is always 2026-07-28; the upstream side offers the
 * newest 2025 revision mcpwire knows and keeps whatever the upstream answered (2024-11-05 … 2025-11-25).
 *
 * @module
 */
import type { JsonRpcRequest } from "../jsonrpc/types.ts";
import { META_CLIENT_CAPABILITIES, META_CLIENT_INFO, requestMeta } from "../protocol/request_meta.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";

/** The protocol revision a bridged upstream session asks for in `initialize` (the newest 2025 one). */
export const BRIDGE_UPSTREAM_REVISION = "2025-11-25";

/** The `_meta` key of the server's info on a 2026-07-28 result. */
export const META_SERVER_INFO = "io.modelcontextprotocol/serverInfo";

/** The client's declared identity in a 2026-07-28 request: its clientInfo and capabilities. */
export interface DeclaredClient {
  /** `_meta["io.modelcontextprotocol/clientInfo"]`, or a placeholder. */
  clientInfo: Record<string, unknown>;
  /** `_meta["io.modelcontextprotocol/clientCapabilities"]`, or `{}`. */
  capabilities: Record<string, unknown>;
}

/**
 * What a 2026-07-28 request declares of its client (its `_meta`).
 *
 * @example
 * ```ts
 * import { declaredClient } from "./discover.ts";
 * const d = declaredClient({ jsonrpc: "2.0", id: 1, method: "ping", params: {} });
 * console.assert(Object.keys(d.capabilities).length === 0);
 * ```
 */
export function declaredClient(message: JsonRpcMessage): DeclaredClient {
  const meta = requestMeta(message) ?? {};
  const object = (v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? v as Record<string, unknown> : undefined;
  return {
    clientInfo: object(meta[META_CLIENT_INFO]) ?? { name: "mcpwire-bridged-client", version: "0" },
    capabilities: object(meta[META_CLIENT_CAPABILITIES]) ?? {},
  };
}

/**
 * The `initialize` request a bridged upstream session opens with: the client's declared info and
 * capabilities, the newest 2025 revision (T-LIFE-01).
 *
 * @example
 * ```ts
 * import { bridgeInitialize } from "./discover.ts";
 * const init = bridgeInitialize("bridge-0", { clientInfo: { name: "a", version: "1" }, capabilities: {} });
 * console.assert(init.method === "initialize");
 * ```
 */
export function bridgeInitialize(id: string, client: DeclaredClient): JsonRpcRequest {
  return {
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: {
      protocolVersion: BRIDGE_UPSTREAM_REVISION,
      capabilities: client.capabilities,
      clientInfo: client.clientInfo,
    },
  };
}

/**
 * A 2026-07-28 DiscoverResult from a 2025 InitializeResult: `supportedVersions` is `["2026-07-28"]` (what
 * mcpwire serves on the client side), `capabilities` and `instructions` are the upstream's, its
 * `serverInfo` goes into the result's `_meta`.
 *
 * @example
 * ```ts
 * import { discoverFromInitialize } from "./discover.ts";
 * const r = discoverFromInitialize({ protocolVersion: "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: "s", version: "1" } });
 * console.assert((r.supportedVersions as string[])[0] === "2026-07-28");
 * ```
 */
export function discoverFromInitialize(init: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {
    resultType: "complete",
    supportedVersions: ["2026-07-28"],
    capabilities: init.capabilities ?? {},
    _meta: { [META_SERVER_INFO]: init.serverInfo ?? { name: "unknown", version: "0" } },
  };
  if (typeof init.instructions === "string") result.instructions = init.instructions;
  return result;
}
