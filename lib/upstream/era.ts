/**
 * Which era an upstream speaks, learned once and cached per upstream (T-BC-03): the 2026-07-28 stateless
 * revision (per-request metadata, `server/discover`) or the 2025 session revisions (`initialize`; the
 * HTTP+SSE fallback below them is `http.ts`'s business). The first modern request is the probe — normally
 * the client's own `server/discover` — and its answer decides: any JSON-RPC answer, or a 4xx whose body is a
 * recognised modern error, means 2026-07-28; a 400, 404 or 405 with anything else means 2025.
 *
 * @module
 */
import { ErrorCode } from "../jsonrpc/types.ts";
import type { UpstreamReply } from "./types.ts";

/** What `--upstream-era` asks for: find out (`auto`), or force one era. */
export type UpstreamEraMode = "auto" | "2026-07-28" | "2025";

/** What is known of an upstream's era. */
export type UpstreamEra = "unknown" | "2026-07-28" | "2025";

/** The era of one upstream: learned from answers unless forced. */
export interface EraCache {
  /** What is known now. */
  readonly era: UpstreamEra;
  /** Was the era forced (`--upstream-era`)? Then `learn` and `set` change nothing. */
  readonly forced: boolean;
  /** Learns from the upstream's reply to a 2026-07-28 request (a reply that decides nothing is ignored). */
  learn(reply: UpstreamReply): Promise<void>;
  /** Records an era found another way (an HTTP+SSE fallback means 2025). */
  set(era: Exclude<UpstreamEra, "unknown">): void;
}

/**
 * An era cache for one upstream.
 *
 * @param mode `auto` starts unknown and learns; an era forces it. @default "auto"
 * @param onLearned Observes the era once it is learned (for logs).
 * @example
 * ```ts
 * import { createEraCache } from "./era.ts";
 * const cache = createEraCache("auto");
 * await cache.learn({ type: "accepted" });
 * console.assert(cache.era === "2026-07-28");
 * ```
 */
export function createEraCache(
  mode: UpstreamEraMode = "auto",
  onLearned?: (era: Exclude<UpstreamEra, "unknown">) => void,
): EraCache {
  let era: UpstreamEra = mode === "auto" ? "unknown" : mode;
  const forced = mode !== "auto";
  const set = (found: Exclude<UpstreamEra, "unknown">) => {
    if (forced || era === found) return;
    era = found;
    onLearned?.(found);
  };
  return {
    get era() {
      return era;
    },
    forced,
    async learn(reply) {
      if (forced || era !== "unknown") return;
      const found = await eraOfReply(reply);
      if (found !== "unknown") set(found);
    },
    set,
  };
}

/** The JSON-RPC codes of a 400 that only a modern server sends (T-BC-03). */
const MODERN_400 = new Set<number>([
  ErrorCode.HeaderMismatch,
  ErrorCode.MissingRequiredClientCapability,
  ErrorCode.UnsupportedProtocolVersion,
  ErrorCode.InvalidParams,
]);

/**
 * What the upstream's reply to a 2026-07-28 request says of its era (T-BC-03, T-RPC-05): JSON-RPC
 * messages or 202 → `2026-07-28`; 400 with a modern error code, or 404 with -32601 → `2026-07-28`; any
 * other 400, 404 or 405 → `2025`; anything else (401, 5xx, …) → `unknown`. The body is read from a clone.
 *
 * @example
 * ```ts
 * import { eraOfReply } from "./era.ts";
 * console.assert(await eraOfReply({ type: "http", response: new Response("", { status: 405 }) }) === "2025");
 * ```
 */
export async function eraOfReply(reply: UpstreamReply): Promise<UpstreamEra> {
  if (reply.type !== "http") return "2026-07-28";
  const status = reply.response.status;
  if (status !== 400 && status !== 404 && status !== 405) return "unknown";
  const code = await _errorCode(reply.response);
  if (status === 400 && code !== undefined && MODERN_400.has(code)) return "2026-07-28";
  if (status === 404 && code === ErrorCode.MethodNotFound) return "2026-07-28";
  return "2025";
}

async function _errorCode(response: Response): Promise<number | undefined> {
  try {
    const body = JSON.parse(await response.clone().text()) as { error?: { code?: unknown } };
    return typeof body?.error?.code === "number" ? body.error.code : undefined;
  } catch {
    return undefined;
  }
}
