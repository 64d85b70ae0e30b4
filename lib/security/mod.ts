/**
 * Security and limits (entry point `mcpwire/security`): the caller identity (`callerOf`), caller
 * authentication (API keys, OAuth bearer tokens; docs/auth.md), the audit log (`audit`), and the connection budget that keeps mcpwire below its
 * open-file limit, answering 503 with `Retry-After` past it (docs/limits.md).
 *
 * @module
 */
export * from "./limits.ts";
export * from "./admission.ts";
export * from "./refusals.ts";
export * from "./caller.ts";
export * from "./audit.ts";
export * from "./api_keys.ts";
export * from "./auth.ts";
export * from "./oauth.ts";
