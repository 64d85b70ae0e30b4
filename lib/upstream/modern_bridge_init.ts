/**
 * The `initialize` answer mcpwire makes for a 2025-era client in front of a 2026-07-28 upstream, from the
 * upstream's `server/discover` result (docs/bridging.md).
 *
 * @module
 */
import type { JsonRpcRequest, JsonRpcResponse } from "../jsonrpc/types.ts";
import type { Revision } from "../protocol/revisions.ts";

/** `_meta` key of the server's name and version in 2026-07-28 results. */
const META_SERVER_INFO = "io.modelcontextprotocol/serverInfo";

/**
 * The InitializeResult for `init`: the negotiated session revision (T-LIFE-01), the upstream's capabilities,
 * server info and instructions as `server/discover` gave them.
 *
 * @param init The client's `initialize` request.
 * @param revision The session revision negotiated with the client.
 * @param discovered The upstream's `server/discover` result.
 * @example
 * ```ts
 * import { discoveredInit } from "./modern_bridge_init.ts";
 * const init = { jsonrpc: "2.0" as const, id: 0, method: "initialize" };
 * const r = discoveredInit(init, "2025-06-18", { capabilities: { tools: {} } });
 * console.assert("result" in r && (r.result as { protocolVersion: string }).protocolVersion === "2025-06-18");
 * ```
 */
export function discoveredInit(
  init: JsonRpcRequest,
  revision: Revision,
  discovered: Record<string, unknown>,
): JsonRpcResponse {
  const meta = (discovered._meta ?? {}) as Record<string, unknown>;
  const serverInfo = discovered.serverInfo ?? meta[META_SERVER_INFO] ?? { name: "mcpwire-bridge", version: "0" };
  const result: Record<string, unknown> = {
    protocolVersion: revision,
    capabilities: _capabilities(discovered.capabilities),
    serverInfo,
  };
  if (typeof discovered.instructions === "string") result.instructions = discovered.instructions;
  return { jsonrpc: "2.0", id: init.id, result };
}

/** The upstream's capabilities; resources are subscribable through the bridge (a listen filter). */
function _capabilities(capabilities: unknown): Record<string, unknown> {
  const caps = { ...(capabilities && typeof capabilities === "object" ? capabilities : {}) } as Record<string, unknown>;
  if (caps.resources && typeof caps.resources === "object") caps.resources = { ...caps.resources, subscribe: true };
  return caps;
}
