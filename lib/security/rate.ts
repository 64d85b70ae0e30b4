/**
 * Rate limits per caller: a token bucket for each {@linkcode Caller} id (from `caller.ts`), used for the
 * `initialize` rate (docs/security.md). Buckets of callers that have been idle long enough to be full again
 * are dropped, so the table stays as small as the set of callers active in the last refill period.
 *
 * @module
 */

/** A rate: `perSecond` tokens are added each second, up to `burst`. */
export interface Rate {
  /** Sustained requests per second. */
  perSecond: number;
  /** Most requests at once after an idle period. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Per-key token buckets. */
export interface RateLimiter {
  /**
   * Takes one token for `key`.
   *
   * @returns `0` when taken, else the seconds (≥ 1, whole) until a token is there (for `Retry-After`).
   */
  take(key: string): number;
  /** Keys currently tracked (bounded by the callers active within one refill period). */
  size(): number;
}

/**
 * Creates per-key token buckets for `rate`; `now` returns milliseconds (injectable for tests).
 *
 * @example
 * ```ts
 * import { createRateLimiter } from "./rate.ts";
 * const limiter = createRateLimiter({ perSecond: 1, burst: 2 }, () => 0);
 * console.assert(limiter.take("a") === 0 && limiter.take("a") === 0 && limiter.take("a") === 1);
 * ```
 */
export function createRateLimiter(rate: Rate, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const fullAfterMs = (rate.burst / rate.perSecond) * 1000;
  let sweptAt = now();
  const sweep = (t: number) => {
    if (t - sweptAt < fullAfterMs) return;
    sweptAt = t;
    for (const [key, bucket] of buckets) if (t - bucket.at >= fullAfterMs) buckets.delete(key);
  };
  return {
    take(key) {
      const t = now();
      sweep(t);
      const bucket = buckets.get(key) ?? { tokens: rate.burst, at: t };
      bucket.tokens = Math.min(rate.burst, bucket.tokens + ((t - bucket.at) / 1000) * rate.perSecond);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / rate.perSecond));
    },
    size: () => buckets.size,
  };
}
