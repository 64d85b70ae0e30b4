/**
 * The wire vocabulary (entry point `mcpwire/protocol`): JSON-RPC messages, parsing and named error codes;
 * the MCP protocol revisions and the one per-revision rule table; header names; the envelope.
 *
 * @module
 */
export * from "../jsonrpc/mod.ts";
export * from "./revisions.ts";
export * from "./headers.ts";
export type { Direction, Envelope } from "./envelope.ts";
