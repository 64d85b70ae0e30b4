/**
 * Security and limits (entry point `mcpwire/security`): the caller identity (`callerOf`), and the connection budget that keeps mcpwire below its
 * open-file limit, answering 503 with `Retry-After` past it (docs/limits.md).
 *
 * @module
 */
export * from "./limits.ts";
export * from "./caller.ts";
