/**
 * What an era-matrix cell's tape shows (docs/tapes.md): the revision each request was recorded under, read
 * back into requests by era, and the verdict of a bridged cell — the same `tools/call` seen on the client hop
 * under the client's era and on the upstream hop under the upstream's.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import type { Era } from "./upstreams.ts";

/** What a tape shows: the revision of each message, and the requests sent under each era. */
export interface TapeView {
  /** The revision of the client's first `tools/list` request (after any negotiation fallback). */
  listRevision?: string;
  /** Era → methods of the client-to-server requests recorded under it. */
  requests: Map<Era, Set<string>>;
}

/**
 * The era of a revision: `2026-07-28`, else `2025`; undefined for none.
 *
 * @example
 * ```ts
 * import { eraOf } from "./tape.ts";
 * console.assert(eraOf("2025-11-25") === "2025" && eraOf(undefined) === undefined);
 * ```
 */
export const eraOf = (revision: string | undefined): Era | undefined =>
  revision === undefined ? undefined : revision === "2026-07-28" ? "2026-07-28" : "2025";

/**
 * Reads a tape. A record carries the revision of the hop it was observed on (the bridges record the
 * upstream hop under the upstream's revision next to the client hop, docs/tapes.md); `forward` records no
 * revision, so its records take the one the last `initialize` result named.
 *
 * @param file The tape (JSON lines); a missing file reads as an empty tape.
 * @throws {SyntaxError} When a line is not JSON.
 * @example
 * ```ts ignore
 * const view = await readTape("/tmp/tapes/sdk-2025__everything-2026.jsonl");
 * console.log(view.listRevision, view.requests.get("2025"));
 * ```
 */
export async function readTape(file: string): Promise<TapeView> {
  const view: TapeView = { requests: new Map() };
  const text = await readFile(file, "utf8").catch(() => "");
  let initialized: string | undefined;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const record = JSON.parse(line) as {
      type?: string;
      revision?: string;
      direction?: string;
      message?: { method?: string; id?: unknown; result?: { protocolVersion?: string } };
    };
    if (record.type !== "message") continue;
    initialized = record.message?.result?.protocolVersion ?? initialized;
    const revision = record.revision ?? initialized;
    const method = record.direction === "client-to-server" && record.message?.id !== undefined
      ? record.message?.method
      : undefined;
    const era = eraOf(revision);
    if (!method || !era) continue;
    if (method === "tools/list") view.listRevision ??= revision;
    if (!view.requests.has(era)) view.requests.set(era, new Set());
    view.requests.get(era)!.add(method);
  }
  return view;
}

/**
 * The tape verdict of a bridged cell: the same `tools/call` recorded under the client's era (the client
 * hop) and under the upstream's era (the upstream hop), so the translation can be read side by side.
 *
 * @returns `pass`, or `fail: …` naming the hop without one.
 * @example
 * ```ts
 * import { judgeTape, type TapeView } from "./tape.ts";
 * const view: TapeView = { requests: new Map([["2026-07-28", new Set(["tools/call"])]]) };
 * console.assert(judgeTape(view, "2026-07-28", "2025").startsWith("fail: no upstream-hop"));
 * ```
 */
export function judgeTape(view: TapeView, clientEra: Era, upstreamEra: Era): string {
  for (const [hop, era] of [["client", clientEra], ["upstream", upstreamEra]] as const) {
    const methods = view.requests.get(era) ?? new Set();
    if (!methods.has("tools/call")) return `fail: no ${hop}-hop tools/call under ${era} (saw ${[...methods]})`;
  }
  return "pass";
}
