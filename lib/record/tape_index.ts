/**
 * Indexes a tape for replay: every recorded client request with the server messages that answered it
 * (progress, other notifications on its stream, the response) and the standalone-stream messages that
 * followed it.
 *
 * @module
 */
import type { JsonRpcId, JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import { isNotification, isRequest, isResponse, progressNotificationToken, progressTokenOf } from "../jsonrpc/types.ts";
import { messagesBySession, type Tape } from "./tape.ts";

/** One recorded request and what the server sent for it. */
export interface RecordedCall {
  session: string;
  request: JsonRpcRequest;
  /** When the request was recorded, ms since the epoch. */
  at: number;
  /** `method` + params (without `_meta`), canonical: equal requests have equal keys. */
  key: string;
  /** Server messages on the request's stream, the response last, with their recorded times. */
  replies: { at: number; message: JsonRpcMessage }[];
  /** Standalone-stream messages recorded after this request and before the next one. */
  after: { at: number; message: JsonRpcMessage }[];
}

/** All calls of a tape, by method. */
export interface TapeIndex {
  calls: RecordedCall[];
  byMethod: Map<string, RecordedCall[]>;
}

/**
 * Builds the index.
 *
 * @param tape A parsed tape.
 * @returns The calls in recorded order.
 * @example
 * ```ts
 * import { parseTape } from "./tape.ts";
 * import { indexTape } from "./tape_index.ts";
 * const tape = parseTape([
 *   '{"type":"message","at":1,"session":"s","direction":"client-to-server","message":{"jsonrpc":"2.0","id":1,"method":"ping"}}',
 *   '{"type":"message","at":2,"session":"s","direction":"server-to-client","stream":"post","message":{"jsonrpc":"2.0","id":1,"result":{}}}',
 * ].join("\n"));
 * console.assert(indexTape(tape).calls[0]!.replies.length === 1);
 * ```
 */
export function indexTape(tape: Tape): TapeIndex {
  const calls: RecordedCall[] = [];
  for (const [session, records] of messagesBySession(tape)) {
    const open = new Map<JsonRpcId, RecordedCall>();
    let last: RecordedCall | undefined;
    for (const r of records) {
      const m = r.message;
      if (r.direction === "client-to-server") {
        if (!isRequest(m)) continue;
        const call: RecordedCall = { session, request: m, at: r.at, key: requestKey(m), replies: [], after: [] };
        calls.push(call);
        open.set(m.id, call);
        last = call;
        continue;
      }
      const item = { at: r.at, message: m };
      if (isResponse(m) && "id" in m && m.id !== undefined && m.id !== null && open.has(m.id)) {
        open.get(m.id)!.replies.push(item);
        open.delete(m.id);
        continue;
      }
      if (r.stream === "post") {
        const token = progressNotificationToken(m);
        const owner = token !== undefined
          ? [...open.values()].find((c) => progressTokenOf(c.request) === token)
          : [...open.values()].pop();
        if (owner && (isNotification(m) || isRequest(m))) {
          owner.replies.push(item);
          continue;
        }
      }
      last?.after.push(item);
    }
  }
  const byMethod = new Map<string, RecordedCall[]>();
  for (const c of calls) {
    let list = byMethod.get(c.request.method);
    if (!list) byMethod.set(c.request.method, list = []);
    list.push(c);
  }
  return { calls, byMethod };
}

/**
 * A canonical key of a request: method and params with sorted keys, without `_meta`.
 *
 * @example
 * ```ts
 * import { requestKey } from "./tape_index.ts";
 * const a = requestKey({ jsonrpc: "2.0", id: 1, method: "m", params: { x: 1, y: 2, _meta: { progressToken: 1 } } });
 * const b = requestKey({ jsonrpc: "2.0", id: 9, method: "m", params: { y: 2, x: 1 } });
 * console.assert(a === b);
 * ```
 */
export function requestKey(request: JsonRpcRequest): string {
  const params = request.params && !Array.isArray(request.params)
    ? Object.fromEntries(Object.entries(request.params).filter(([k]) => k !== "_meta"))
    : request.params;
  return `${request.method} ${_canonical(params)}`;
}

function _canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(_canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${
      keys.map((k) => `${JSON.stringify(k)}:${_canonical((value as Record<string, unknown>)[k])}`).join(",")
    }}`;
  }
  return JSON.stringify(value) ?? "null";
}
