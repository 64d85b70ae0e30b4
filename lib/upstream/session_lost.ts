/**
 * Recognising an upstream answer that means "this session no longer exists": the trigger of transparent
 * re-initialization (T-SESS-07).
 *
 * @module
 */

const SESSION_WORDS = /session/i;

/**
 * Whether `response` (the answer to a request that carried a session id) says the upstream forgot the
 * session. Ask only about such answers: a request without a session id (a stateless upstream, T-SESS-01)
 * has no session to lose, and its 404 is about the URL or the method (the connectors decide that, see
 * `UpstreamHttpAnswer.sessionLost`). 404 is the spec's answer (T-SESS-06). A 400 whose body mentions the session counts too: the
 * MCP TypeScript SDK's example servers (and server-everything) answer unknown session ids with 400
 * "No valid session ID provided" (typescript-sdk#389), and without this a restarted upstream of that kind
 * would wedge every session forever. A 404 whose JSON-RPC error is -32601 (method not found, the 2026-07-28
 * answer to an unknown method, T-RPC-05) does not count. The body is read from a clone (at most 4 KiB), so
 * `response` stays readable.
 *
 * @example
 * ```ts
 * import { isSessionLost } from "./session_lost.ts";
 * console.assert(await isSessionLost(new Response(null, { status: 404 })));
 * ```
 */
export async function isSessionLost(response: Response): Promise<boolean> {
  if (response.status !== 404 && response.status !== 400) return false;
  if (response.body === null) return response.status === 404;
  let text: string;
  try {
    text = await _readPrefix(response.clone(), 4096);
  } catch {
    return response.status === 404;
  }
  // T-RPC-05: a 404 whose body is "method not found" (-32601) is about the method, not the session.
  if (response.status === 404) return !/"code"\s*:\s*-32601\b/.test(text);
  return SESSION_WORDS.test(text);
}

async function _readPrefix(response: Response, limit: number): Promise<string> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (text.length < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    text += value;
  }
  await reader.cancel().catch(() => {});
  return text.slice(0, limit);
}
