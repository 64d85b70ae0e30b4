/**
 * Recognising an upstream answer that means "this session no longer exists": the trigger of transparent
 * re-initialization (T-SESS-07).
 *
 * @module
 */

const SESSION_WORDS = /session/i;

/**
 * Whether `response` (the answer to a request that carried a session id) says the upstream forgot the
 * session. 404 is the spec's answer (T-SESS-06). A 400 whose body mentions the session counts too: the
 * MCP TypeScript SDK's example servers (and server-everything) answer unknown session ids with 400
 * "No valid session ID provided" (typescript-sdk#389), and without this a restarted upstream of that kind
 * would wedge every session forever. The body is read from a clone (at most 4 KiB), so `response` stays
 * readable.
 *
 * @example
 * ```ts
 * import { isSessionLost } from "./session_lost.ts";
 * console.assert(await isSessionLost(new Response(null, { status: 404 })));
 * ```
 */
export async function isSessionLost(response: Response): Promise<boolean> {
  if (response.status === 404) return true;
  if (response.status !== 400 || response.body === null) return false;
  try {
    const text = await _readPrefix(response.clone(), 4096);
    return SESSION_WORDS.test(text);
  } catch {
    return false;
  }
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
