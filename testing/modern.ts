/**
 * Helpers for 2026-07-28 tests: the real 2.x SDK server (`testing/modern_server.mjs`) as a child process,
 * its request log, and raw modern POST headers and bodies.
 *
 * @module
 */
import { type HttpChild, ROOT, startHttpChild } from "./e2e.ts";

/** One `/mcp` request the modern server saw. */
export interface SeenRequest {
  method: string;
  headers: Record<string, string>;
  body: { method?: string; id?: unknown; params?: Record<string, unknown> } | null;
}

/** What the modern server saw: its requests, responses closed early, `slow` calls that finished. */
export interface ModernLog {
  requests: SeenRequest[];
  closedEarly: number;
  finished: number;
}

/** A running modern server (endpoint `/mcp`), with its request log. */
export interface ModernServer extends HttpChild {
  /** The MCP endpoint. */
  endpoint: URL;
  /** Reads the server's log (`GET /_log`). */
  log(): Promise<ModernLog>;
  /** Publishes `notifications/tools/list_changed` to open `subscriptions/listen` streams. */
  toolsChanged(): Promise<void>;
  /** Publishes `notifications/resources/updated` for `mcpwire://greeting` to listen streams subscribed to it. */
  resourceUpdated(): Promise<void>;
}

/** Starts `node testing/modern_server.mjs` on a free port. */
export async function startModernServer(): Promise<ModernServer> {
  const child = await startHttpChild([`${ROOT}testing/modern_server.mjs`]);
  return {
    ...child,
    endpoint: new URL("/mcp", child.url),
    async log() {
      const response = await fetch(new URL("/_log", child.url));
      return await response.json() as ModernLog;
    },
    toolsChanged: () => _post(new URL("/_tools-changed", child.url)),
    resourceUpdated: () => _post(new URL("/_resource-updated", child.url)),
  };
}

async function _post(url: URL): Promise<void> {
  const response = await fetch(url, { method: "POST" });
  await response.body?.cancel();
}

/** The `_meta` of a 2026-07-28 request for `version`. */
export function modernMeta(version = "2026-07-28"): Record<string, unknown> {
  return {
    "io.modelcontextprotocol/protocolVersion": version,
    "io.modelcontextprotocol/clientInfo": { name: "mcpwire-test", version: "1" },
    "io.modelcontextprotocol/clientCapabilities": {},
  };
}

/** A 2026-07-28 request: `params` plus the `_meta` of {@linkcode modernMeta}. */
export function modernRequest(method: string, params: Record<string, unknown> = {}, id: number | string = 1) {
  return { jsonrpc: "2.0" as const, id, method, params: { ...params, _meta: modernMeta() } };
}

/** The headers of a 2026-07-28 POST: media types, version, `Mcp-Method`, and `extra`. */
export function modernHeaders(method: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": "2026-07-28",
    "mcp-method": method,
    ...extra,
  };
}
