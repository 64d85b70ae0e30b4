/**
 * MCP protocol revisions, the per-revision rule table, negotiation and header names.
 *
 * @module
 */
export * from "./revisions.ts";
export * from "./headers.ts";
