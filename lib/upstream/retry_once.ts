/**
 * The request-level retry of a resilient connection: when the upstream cannot be reached, or answers that it
 * forgot the session (T-SESS-06/07), recover and try once more. The refused attempt never ran, so retrying it
 * is safe; a second failure reaches the client as it is.
 *
 * @module
 */
import { isSessionLost } from "./session_lost.ts";
import { type UpstreamHttpAnswer, UpstreamUnavailableError } from "./types.ts";

/** What {@linkcode retryOnce} needs from the connection that owns it. */
export interface RetryOnceHooks<T> {
  /** The HTTP answer in `result`, if it is one (only an HTTP answer can say the session is lost). */
  answerOf: (result: T) => UpstreamHttpAnswer | undefined;
  /** Whether a recovery may be attempted. */
  canRecover: () => boolean;
  /** Recovers (a fresh inner connection, re-initialized); rejects when recovery was given up. */
  recover: (reason: string) => Promise<void>;
}

/**
 * Runs `attempt`; when it throws {@linkcode UpstreamUnavailableError} or its result is an HTTP answer that
 * means the session is gone (whose body is then cancelled), recovers and runs `attempt` once more.
 *
 * @returns The result of the first attempt, or of the retry.
 * @throws Whatever `attempt` throws when no recovery applies, whatever `recover` rejects with, and whatever
 * the retry throws.
 * @example
 * ```ts ignore
 * const reply = await retryOnce(() => inner().send(messages), { answerOf, canRecover, recover });
 * ```
 */
export async function retryOnce<T>(attempt: () => Promise<T>, hooks: RetryOnceHooks<T>): Promise<T> {
  let result: T;
  try {
    result = await attempt();
  } catch (error) {
    if (!(error instanceof UpstreamUnavailableError) || !hooks.canRecover()) throw error;
    await hooks.recover(error.message);
    return await attempt();
  }
  const answer = hooks.answerOf(result);
  if (answer && hooks.canRecover() && await _sessionLost(answer)) {
    const status = answer.response.status;
    await answer.response.body?.cancel().catch(() => {});
    await hooks.recover(`The upstream answered HTTP ${status} for the session`);
    // Retried once (the refused attempt never ran): a second failure reaches the client as it is.
    result = await attempt();
  }
  return result;
}

/**
 * Whether an HTTP answer means the session is gone: the connector's verdict when it gave one (it knows whether
 * the request carried a session id, T-SESS-06/07), otherwise the response's own look (`isSessionLost`).
 */
async function _sessionLost(answer: UpstreamHttpAnswer): Promise<boolean> {
  return answer.sessionLost ?? await isSessionLost(answer.response);
}
