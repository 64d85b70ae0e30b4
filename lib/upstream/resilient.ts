/**
 * The resilient upstream: a decorator over any {@linkcode Upstream} that rides through upstream failures so
 * the client notices nothing but a delay (docs/architecture.md "Self-healing", docs/field-notes.md items 2, 6, 15).
 *
 * - It records the client's `initialize` and `notifications/initialized`.
 * - When the upstream forgot the session (HTTP 404 to a request that carried the session id, T-SESS-06/07;
 *   or 400 "no valid session", see `session_lost.ts`; a stateless upstream's 404 never counts), when it cannot
 *   be reached, or when a stdio child exits, it opens a fresh inner connection, replays the recorded
 *   `initialize` under a proxy-owned id (its InitializeResult never reaches the client) and
 *   `notifications/initialized`, and retries the failed request once (it was refused, so it never ran).
 * - A recovery never cuts the replies in flight: the old inner connection is retired, not closed, until every
 *   reply on it is over, so whatever the upstream still answers there is delivered; a reply whose stream was
 *   lost with the session gets its own JSON-RPC error naming the session (it may have run, so it is not
 *   retried).
 * - Requests in flight on a dead upstream get a JSON-RPC error; with a request timeout, silent requests get
 *   one too and the upstream gets `notifications/cancelled` (see `watch_reply.ts`).
 * - The standalone stream survives recoveries: it is re-opened on the new inner connection.
 * - Repeated failures end in a clear error: recovery attempts back off, and after `maxRecoveries` within
 *   `recoveryWindowMs` (or a recovery that exhausted its attempts) the connection gives up and `ended`
 *   resolves. It never loops tightly.
 *
 * @module
 */
import { resolveBackoff } from "../kit/backoff.ts";
import { type ResilienceOptions, ResilientConnection } from "./resilient_connection.ts";
import type { Upstream } from "./types.ts";

export type { ResilienceEvent, ResilienceOptions } from "./resilient_connection.ts";

/**
 * Wraps `inner` so that its connections recover from upstream failures as described in the module doc.
 *
 * @example
 * ```ts ignore
 * const upstream = resilientUpstream(httpUpstream({ url: "http://127.0.0.1:3001/mcp" }), { requestTimeoutMs: 60_000 });
 * const proxy = createReverseProxy({ upstream });
 * ```
 */
export function resilientUpstream(inner: Upstream, options: ResilienceOptions = {}): Upstream {
  const recovery = resolveBackoff({ initialDelayMs: 250, maxDelayMs: 5_000, maxAttempts: 6, ...options.recovery });
  const upstream: Upstream = {
    description: inner.description,
    connect: () => new ResilientConnection(inner, options, recovery),
  };
  RESILIENT.add(upstream);
  return upstream;
}

const RESILIENT = new WeakSet<Upstream>();

/**
 * Was `upstream` made by {@linkcode resilientUpstream}? The default stack uses it so that an upstream the
 * caller already made resilient is not wrapped twice.
 *
 * @example
 * ```ts ignore
 * console.assert(isResilient(resilientUpstream(inner)) && !isResilient(inner));
 * ```
 */
export function isResilient(upstream: Upstream): boolean {
  return RESILIENT.has(upstream);
}
