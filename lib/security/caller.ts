/**
 * Who sent a request: the caller identity that authentication establishes and that limits, session
 * binding, audit lines, rules and tapes key on. Authentication (API keys, OAuth bearer tokens) attaches a
 * {@linkcode Caller} to the `Request` with {@linkcode setCaller}; everything after it reads the same value
 * with {@linkcode callerOf}. A request no authenticator has seen is {@linkcode ANONYMOUS}.
 *
 * @module
 */

/** How a caller was identified. */
export type CallerKind = "anonymous" | "api-key" | "oauth";

/** The identity of the party behind a request. */
export interface Caller {
  /**
   * A stable name for logs, metrics labels, tapes and per-caller limits: the API key's configured name,
   * the token's `sub` (prefixed by its issuer when several are trusted), or `anonymous`. Never a secret.
   */
  readonly id: string;
  /** How it was established. */
  readonly kind: CallerKind;
  /** Scopes the caller holds (OAuth `scope` claim; empty for API keys and anonymous callers). */
  readonly scopes: readonly string[];
}

/** The caller of a request that no authenticator identified (authentication off). */
export const ANONYMOUS: Caller = Object.freeze({ id: "anonymous", kind: "anonymous", scopes: Object.freeze([]) });

const callers = new WeakMap<Request, Caller>();

/**
 * Records who sent `request` (called by the authentication step, once per request).
 *
 * @example
 * ```ts
 * import { callerOf, setCaller } from "./caller.ts";
 * const request = new Request("http://127.0.0.1/mcp");
 * setCaller(request, { id: "ci-bot", kind: "api-key", scopes: [] });
 * console.assert(callerOf(request).id === "ci-bot");
 * ```
 */
export function setCaller(request: Request, caller: Caller): void {
  callers.set(request, caller);
}

/**
 * Who sent `request`: what {@linkcode setCaller} recorded, else {@linkcode ANONYMOUS}.
 *
 * @example
 * ```ts
 * import { ANONYMOUS, callerOf } from "./caller.ts";
 * console.assert(callerOf(new Request("http://127.0.0.1/mcp")) === ANONYMOUS);
 * ```
 */
export function callerOf(request: Request): Caller {
  return callers.get(request) ?? ANONYMOUS;
}

const peers = new WeakMap<Request, string>();

/**
 * Records the network address a request came from (`host:port`, `[v6]:port`), as the server that accepted
 * its connection saw it (`lib/runtime/serve.ts`: Bun's `requestIP`, Deno's header-deadline front).
 *
 * @example
 * ```ts
 * import { peerOf, setPeer } from "./caller.ts";
 * const request = new Request("http://127.0.0.1/mcp");
 * setPeer(request, "127.0.0.1:50123");
 * console.assert(peerOf(request) === "127.0.0.1:50123");
 * ```
 */
export function setPeer(request: Request, address: string): void {
  peers.set(request, address);
}

/**
 * The network address `request` came from, or `undefined` when the handler was not reached through
 * mcpwire's own server (a library user's server, an in-process test). Behind a reverse proxy this is the
 * proxy's address. Audit lines carry it as `peer`.
 *
 * @example
 * ```ts
 * import { peerOf } from "./caller.ts";
 * console.assert(peerOf(new Request("http://127.0.0.1/mcp")) === undefined);
 * ```
 */
export function peerOf(request: Request): string | undefined {
  return peers.get(request);
}
