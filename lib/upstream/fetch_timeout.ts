/**
 * `fetch` with a connect timeout: the time allowed until the response head arrives. The body is not
 * limited (SSE streams live long), and the caller's own signal still aborts everything.
 *
 * @module
 */
import { UpstreamUnavailableError } from "./types.ts";

/** Each caller signal's latest combined signal, kept alive as long as the caller's signal (see below). */
const held = new WeakMap<AbortSignal, AbortSignal>();

/** Options of {@linkcode fetchWithTimeout}. */
export interface FetchTimeoutOptions {
  /** Time until the response head, in ms; 0 waits forever. */
  timeoutMs: number;
  /** The caller's signal (shutdown): aborts the request and its body. */
  signal?: AbortSignal;
  /** Names the peer in error messages, e.g. `Upstream http://…`. */
  what: string;
}

/**
 * Sends `request` (a `Request`, or a URL with `init`) with `fetchFn`, aborting it when no response head
 * arrived within `timeoutMs`.
 *
 * @throws {UpstreamUnavailableError} When the peer is unreachable or too slow to answer.
 * @throws The abort reason, when the caller's `signal` aborted.
 * @example
 * ```ts ignore
 * const response = await fetchWithTimeout(fetch, new Request(url), { timeoutMs: 5_000, what: "Upstream" });
 * ```
 */
export async function fetchWithTimeout(
  fetchFn: typeof fetch,
  request: Request | string,
  options: FetchTimeoutOptions,
  init: RequestInit = {},
): Promise<Response> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = options.timeoutMs > 0
    ? setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException("connect timeout", "TimeoutError"));
    }, options.timeoutMs)
    : undefined;
  // AbortSignal.any: no listener piles up on a long-lived caller signal. But a source holds the signals that
  // depend on it only weakly, and once the response head is in nothing else holds the combined signal: it
  // could be collected while the body streams, and the caller's abort would then never reach the body (an
  // aborted SSE reply left open upstream). The caller's signal keeps its latest combined signal alive.
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  if (options.signal) held.set(options.signal, signal);
  try {
    // A URL and init go to fetch as they are: fetch builds its Request once (a Request cloned here would be
    // one more copy of headers and body per call).
    return await (typeof request === "string"
      ? fetchFn(request, { ...init, signal })
      : fetchFn(new Request(request, { signal })));
  } catch (error) {
    if (options.signal?.aborted) throw error;
    if (timedOut) {
      throw new UpstreamUnavailableError(`${options.what} did not answer within ${options.timeoutMs} ms`);
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new UpstreamUnavailableError(`${options.what} is unreachable: ${reason}`);
  } finally {
    clearTimeout(timer);
  }
}
