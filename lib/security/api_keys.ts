/**
 * API keys, hashed at rest: a key file holds one `NAME SHA256HEX` pair per line (`#` starts a comment),
 * where the hash is the lowercase hex SHA-256 of the key's UTF-8 bytes (`mcpwire auth hash-key` prints it).
 * A presented key is hashed and compared with every stored hash in constant time; the matching entry's
 * name becomes the caller id (docs/auth.md).
 *
 * @module
 */
import type { Caller } from "./caller.ts";

/** One configured key: its name (the caller id) and the SHA-256 of the key. */
export interface ApiKeyEntry {
  name: string;
  /** 32 bytes. */
  hash: Uint8Array;
}

/**
 * The lowercase hex SHA-256 of `key` (what a key file stores).
 *
 * @example
 * ```ts
 * import { hashApiKey } from "./api_keys.ts";
 * console.assert((await hashApiKey("secret")).length === 64);
 * ```
 */
export async function hashApiKey(key: string): Promise<string> {
  return toHex(await sha256(key));
}

/**
 * Parses a key file.
 *
 * @throws {Error} Naming the line of a malformed entry, a duplicate name, or when no key is defined.
 * @example
 * ```ts
 * import { parseApiKeyFile } from "./api_keys.ts";
 * const keys = parseApiKeyFile("# CI\nci-bot " + "ab".repeat(32) + "\n");
 * console.assert(keys[0]!.name === "ci-bot");
 * ```
 */
export function parseApiKeyFile(text: string): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  const names = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") return;
    const match = /^([A-Za-z0-9._@:-]{1,128})\s+([0-9a-fA-F]{64})$/.exec(line);
    if (!match) throw new Error(`line ${index + 1}: expected "NAME SHA256HEX" (64 hex digits)`);
    if (names.has(match[1]!)) throw new Error(`line ${index + 1}: duplicate key name ${match[1]}`);
    names.add(match[1]!);
    entries.push({ name: match[1]!, hash: fromHex(match[2]!) });
  });
  if (entries.length === 0) throw new Error("the key file defines no key");
  return entries;
}

/**
 * The caller a presented key belongs to, or `undefined`. Every stored hash is compared in full (no early
 * exit), so the time taken does not depend on how much of a hash matched.
 *
 * @example
 * ```ts
 * import { hashApiKey, matchApiKey, parseApiKeyFile } from "./api_keys.ts";
 * const keys = parseApiKeyFile(`ci-bot ${await hashApiKey("s3cret")}`);
 * console.assert((await matchApiKey(keys, "s3cret"))?.id === "ci-bot");
 * ```
 */
export async function matchApiKey(entries: readonly ApiKeyEntry[], key: string): Promise<Caller | undefined> {
  const presented = await sha256(key);
  let found: ApiKeyEntry | undefined;
  for (const entry of entries) {
    let diff = 0;
    for (let i = 0; i < 32; i++) diff |= entry.hash[i]! ^ presented[i]!;
    if (diff === 0) found = entry;
  }
  return found ? { id: found.name, kind: "api-key", scopes: [] } : undefined;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
