/**
 * Sealed session ids (issue 14, item 3): the session id mcpwire hands the client carries the session's record
 * (negotiated protocol revision, the recorded `initialize`, the caller, the creation time) encrypted and
 * authenticated with AES-256-GCM (Web Crypto, a random 96-bit nonce per id). Every replica configured with the
 * same key can unseal an id it never saw and revive the session from it, with no shared store. A tampered id,
 * or one sealed with another key, unseals to `undefined` (→ 404, T-SESS-06).
 *
 * The id is base64url of `nonce ‖ ciphertext ‖ tag`: visible ASCII only (T-SESS-02), unique and not guessable
 * (T-SESS-03: the nonce is random and the tag authenticates it).
 *
 * @module
 */
import type { SessionRecord } from "../stores/session_store.ts";
import { isRevision } from "../protocol/revisions.ts";
import type { JsonRpcRequest } from "../jsonrpc/types.ts";

/** The fields of a record that a sealed id carries (the id itself is the sealed text). */
export type SealedFields = Pick<SessionRecord, "revision" | "initialize" | "createdAt" | "caller">;

/** Bytes of the AES-GCM nonce (96 bits, the size Web Crypto and NIST SP 800-38D recommend). */
const NONCE_BYTES = 12;
/** Bytes of the key: AES-256. */
export const SEAL_KEY_BYTES = 32;
/** Format tag inside the plaintext, so that a later format can be told apart. */
const FORMAT = 1;

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * Parses a seal key: standard or url-safe base64 of exactly 32 bytes, surrounding whitespace ignored (a key
 * file made with `openssl rand -base64 32` ends with a newline).
 *
 * @throws {Error} When the text is not base64 or does not decode to 32 bytes.
 * @example
 * ```ts
 * import { parseSealKey } from "./sealed_ids.ts";
 * const key = parseSealKey(btoa(String.fromCharCode(...new Uint8Array(32))));
 * console.assert(key.length === 32);
 * ```
 */
export function parseSealKey(text: string): Uint8Array {
  const bytes = fromBase64Url(text.trim().replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, ""));
  if (!bytes || bytes.length !== SEAL_KEY_BYTES) {
    throw new Error(`a seal key is base64 of exactly ${SEAL_KEY_BYTES} bytes (make one with: openssl rand -base64 32)`);
  }
  return bytes;
}

/**
 * Seals session records into session ids and unseals them again, with one AES-256-GCM key.
 *
 * @example
 * ```ts
 * import { SessionSealer } from "./sealed_ids.ts";
 * const sealer = await SessionSealer.fromKey(crypto.getRandomValues(new Uint8Array(32)));
 * const id = await sealer.seal({ revision: "2025-06-18", initialize: { jsonrpc: "2.0", id: 1, method: "initialize" }, createdAt: 0 });
 * console.assert((await sealer.unseal(id))?.revision === "2025-06-18");
 * console.assert((await sealer.unseal(id.slice(0, -1) + (id.endsWith("A") ? "B" : "A"))) === undefined);
 * ```
 */
export class SessionSealer {
  readonly #key: CryptoKey;

  private constructor(key: CryptoKey) {
    this.#key = key;
  }

  /**
   * A sealer with this raw key.
   *
   * @param raw 32 bytes (AES-256).
   * @throws {Error} When the key is not 32 bytes.
   */
  static async fromKey(raw: Uint8Array): Promise<SessionSealer> {
    if (raw.length !== SEAL_KEY_BYTES) throw new Error(`a seal key has ${SEAL_KEY_BYTES} bytes (got ${raw.length})`);
    const key = await crypto.subtle.importKey("raw", new Uint8Array(raw), "AES-GCM", false, ["encrypt", "decrypt"]);
    return new SessionSealer(key);
  }

  /** A session id that carries `fields`, sealed: base64url, visible ASCII (T-SESS-02), unique (T-SESS-03). */
  async seal(fields: SealedFields): Promise<string> {
    const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
    const plain = new TextEncoder().encode(JSON.stringify({
      f: FORMAT,
      r: fields.revision,
      i: fields.initialize,
      t: fields.createdAt,
      ...(fields.caller !== undefined ? { c: fields.caller } : {}),
    }));
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, this.#key, plain));
    const out = new Uint8Array(NONCE_BYTES + sealed.length);
    out.set(nonce);
    out.set(sealed, NONCE_BYTES);
    return toBase64Url(out);
  }

  /**
   * The record a sealed id carries, with `id` set to it and `lastSeenAt` to now; `undefined` for an id that is
   * not base64url, was altered, or was sealed with another key (never throws: such an id is unknown, T-SESS-06).
   */
  async unseal(id: string): Promise<SessionRecord | undefined> {
    const bytes = fromBase64Url(id);
    if (!bytes || bytes.length <= NONCE_BYTES + 16) return undefined;
    let plain: ArrayBuffer;
    try {
      plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: bytes.slice(0, NONCE_BYTES) },
        this.#key,
        bytes.slice(NONCE_BYTES),
      );
    } catch {
      return undefined;
    }
    let data: { f?: unknown; r?: unknown; i?: unknown; t?: unknown; c?: unknown };
    try {
      data = JSON.parse(new TextDecoder().decode(plain));
    } catch {
      return undefined;
    }
    if (data.f !== FORMAT || !isRevision(data.r) || typeof data.t !== "number") return undefined;
    const init = data.i as JsonRpcRequest | undefined;
    if (!init || typeof init !== "object" || init.method !== "initialize") return undefined;
    return {
      id,
      revision: data.r,
      initialize: init,
      createdAt: data.t,
      lastSeenAt: Date.now(),
      ...(typeof data.c === "string" ? { caller: data.c } : {}),
    };
  }
}
