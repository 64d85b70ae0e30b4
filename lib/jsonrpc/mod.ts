/**
 * JSON-RPC 2.0: message types, parsing and validation, error codes.
 *
 * @module
 */
export * from "./types.ts";
export * from "./parse.ts";
