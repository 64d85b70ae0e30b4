/**
 * Reconnection delays toward the upstream: the server's `retry` when it gave one (T-RES-04: the client
 * MUST wait that long), otherwise exponential backoff with jitter, bounded.
 *
 * @module
 */

/** Bounds of the reconnection backoff. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. @default 250 */
  initialDelayMs?: number;
  /** Largest delay, in ms. @default 10_000 */
  maxDelayMs?: number;
  /** Consecutive failed attempts before giving up. @default 6 */
  maxAttempts?: number;
}

/** {@linkcode BackoffOptions} with every default applied. */
export type ResolvedBackoff = Required<BackoffOptions>;

/** The default backoff bounds: 250 ms doubling to at most 10 s, 6 attempts (≈ 16 s in all). */
export const DEFAULT_BACKOFF: ResolvedBackoff = { initialDelayMs: 250, maxDelayMs: 10_000, maxAttempts: 6 };

/** Merges `options` over {@linkcode DEFAULT_BACKOFF}. */
export function resolveBackoff(options: BackoffOptions = {}): ResolvedBackoff {
  return { ...DEFAULT_BACKOFF, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
}

/**
 * The delay before retry number `attempt` (0 = first retry), in ms: `initialDelayMs · 2^attempt`, capped at
 * `maxDelayMs`, with "equal jitter" (between half and all of it) so that many clients do not reconnect in
 * step after an upstream restart.
 *
 * @param attempt 0-based attempt number.
 * @param options Bounds.
 * @param random A source of numbers in [0, 1) (tests inject one). @default Math.random
 * @example
 * ```ts
 * import { backoffDelay } from "./backoff.ts";
 * const d = backoffDelay(3, { initialDelayMs: 100, maxDelayMs: 10_000, maxAttempts: 5 }, () => 0.5);
 * console.assert(d === 600); // base 800, half fixed + half jittered
 * ```
 */
export function backoffDelay(attempt: number, options: ResolvedBackoff, random: () => number = Math.random): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.max(0, attempt));
  return Math.round(base / 2 + random() * (base / 2));
}
