/**
 * Time limits, one way everywhere: waits that an `AbortSignal` cuts short, and deadlines on promises that a
 * caller's `AbortSignal` can also end, instead of hand-written `setTimeout` races (no timer outlives its wait).
 *
 * @module
 */

/**
 * Waits `ms` milliseconds; resolves early (without error) when `signal` aborts. The timer is cleared either
 * way, so an aborted wait keeps nothing alive.
 *
 * @param ms How long to wait, in ms (negative counts as 0).
 * @param signal Ends the wait early.
 * @example
 * ```ts
 * import { sleep } from "./deadline.ts";
 * await sleep(1);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** A deadline passed: what {@linkcode withDeadline} rejects with when no `onTimeout` is given. */
export class DeadlineError extends Error {
  /** Always `"DeadlineError"`. */
  override name = "DeadlineError";
}

/** Options of {@linkcode withDeadline}. */
export interface DeadlineOptions<T> {
  /** Also ends the wait, rejecting with the signal's reason (shutdown, a client gone). */
  signal?: AbortSignal;
  /** Called when the deadline passes: its value (or its throw) settles the wait. @default throws DeadlineError */
  onTimeout?: () => T;
}

/**
 * Settles with `promise`, unless `ms` pass first (then `onTimeout` decides) or `signal` aborts (rejects with
 * its reason). `ms <= 0` means no deadline. The promise itself is not cancelled: pass the same signal to the
 * work when it can be.
 *
 * @param promise The work to wait for.
 * @param ms The deadline, in ms from now; 0 or less waits forever.
 * @param options A signal that ends the wait, and what a timeout means.
 * @returns The promise's value, or `onTimeout()`'s.
 * @throws {DeadlineError} When the deadline passed and no `onTimeout` was given.
 * @example
 * ```ts
 * import { withDeadline } from "./deadline.ts";
 * const value = await withDeadline(new Promise<string>(() => {}), 5, { onTimeout: () => "late" });
 * console.assert(value === "late");
 * ```
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, options: DeadlineOptions<T> = {}): Promise<T> {
  const { signal } = options;
  if (ms <= 0 && !signal) return promise;
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", aborted);
    };
    const aborted = () => {
      done();
      reject(signal!.reason);
    };
    const late = () => {
      done();
      if (!options.onTimeout) return reject(new DeadlineError(`No answer within ${ms} ms`));
      try {
        resolve(options.onTimeout());
      } catch (error) {
        reject(error);
      }
    };
    if (signal?.aborted) return aborted();
    signal?.addEventListener("abort", aborted, { once: true });
    // The timer is cleared as soon as the wait settles: no deadline outlives its work.
    if (ms > 0) timer = setTimeout(late, ms);
    promise.then((value) => (done(), resolve(value)), (error) => (done(), reject(error)));
  });
}
