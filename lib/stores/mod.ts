/**
 * The store ports (entry point `mcpwire/stores`): `SessionStore` (session records, so any instance sharing
 * the store can serve a session) and `EventStore` (each stream's events, for resumption with
 * `Last-Event-ID`, T-RES-02), with their in-memory implementations.
 *
 * @module
 */
export * from "./session_store.ts";
export * from "./event_store.ts";
