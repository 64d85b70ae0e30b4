/**
 * Random session ids (T-SESS-02, T-SESS-03), also used wherever mcpwire needs an id nobody can guess
 * (replica ids, bridge sessions, input-round state). Sealed ids, which carry the record, are in
 * `sealed_ids.ts`.
 *
 * @module
 */

/**
 * Mints a session id: 192 random bits from `crypto.getRandomValues`, base64url (32 visible-ASCII
 * characters, T-SESS-02, T-SESS-03).
 *
 * @example
 * ```ts
 * import { mintSessionId } from "./session_id.ts";
 * console.assert(/^[A-Za-z0-9_-]{32}$/.test(mintSessionId()));
 * ```
 */
export function mintSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
