/**
 * Replays the client side of a tape against a live server and compares what it answers with what was
 * recorded: the recorded requests and notifications are sent in order, session by session, and each
 * response is compared member by member (ids excepted).
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcResponse } from "../jsonrpc/types.ts";
import { isRequest, isResponse } from "../jsonrpc/types.ts";
import type { Upstream } from "../upstream/types.ts";
import { compilePath, getPath, type JsonPath, removePath } from "../intercept/json_path.ts";
import { messagesBySession, type Tape } from "./tape.ts";

/** One difference between a recorded and a live response. */
export interface ReplayDifference {
  session: string;
  /** e.g. `tools/call echo #3`. */
  request: string;
  /** JSON path in the response, e.g. `result.content[0].text`. */
  path: string;
  recorded: unknown;
  actual: unknown;
}

/** The outcome of {@linkcode replayAgainst}. */
export interface ReplayReport {
  sessions: number;
  requests: number;
  differences: ReplayDifference[];
}

/** Options of {@linkcode replayAgainst}. */
export interface ReplayAgainstOptions {
  /** JSON paths (from the response root, e.g. `result.serverInfo.version`) left out of the comparison. */
  ignore?: string[];
  /** Longest wait for one response, in ms. @default 30_000 */
  timeoutMs?: number;
}

/**
 * Replays every recorded session of `tape` against `upstream`.
 *
 * @param tape A parsed tape.
 * @param upstream The live server (e.g. `streamableHttpUpstream({ url })`).
 * @param options Paths to ignore and the per-response timeout.
 * @returns The sessions and requests replayed and every difference found.
 * @throws {UpstreamUnavailableError} When the server cannot be reached.
 * @example
 * ```ts ignore
 * const report = await replayAgainst(parseTape(text), streamableHttpUpstream({ url: "http://127.0.0.1:3001/mcp" }));
 * console.log(report.differences.length === 0 ? "same" : report.differences);
 * ```
 */
export async function replayAgainst(
  tape: Tape,
  upstream: Upstream,
  options: ReplayAgainstOptions = {},
): Promise<ReplayReport> {
  const ignore = (options.ignore ?? []).map(compilePath);
  const report: ReplayReport = { sessions: 0, requests: 0, differences: [] };
  for (const [session, records] of messagesBySession(tape)) {
    const sent = records.filter((r) => r.direction === "client-to-server" && !isResponse(r.message));
    if (sent.length === 0) continue;
    report.sessions++;
    const recordedResponses = new Map<unknown, JsonRpcResponse>();
    for (const r of records) {
      if (r.direction === "server-to-client" && isResponse(r.message) && "id" in r.message) {
        recordedResponses.set(r.message.id, r.message);
      }
    }
    const connection = upstream.connect();
    try {
      for (const { message } of sent) {
        const actual = await _exchange(connection, message, options.timeoutMs ?? 30_000);
        if (!isRequest(message)) continue;
        report.requests++;
        const recorded = recordedResponses.get(message.id);
        if (!recorded) continue;
        const label = `${message.method}${_detail(message)} #${message.id}`;
        const a = _strip(actual, ignore);
        const b = _strip(recorded, ignore);
        for (const d of diffValues(b, a)) report.differences.push({ session, request: label, ...d });
      }
    } finally {
      await connection.close().catch(() => {});
    }
  }
  return report;
}

async function _exchange(
  connection: ReturnType<Upstream["connect"]>,
  message: JsonRpcMessage,
  timeoutMs: number,
): Promise<JsonRpcMessage | undefined> {
  const reply = await connection.send([message]);
  if (reply.type === "http") {
    const status = reply.response.status;
    await reply.response.body?.cancel().catch(() => {});
    return isRequest(message)
      ? { jsonrpc: "2.0", id: message.id, error: { code: -32003, message: `HTTP ${status}` } }
      : undefined;
  }
  if (reply.type !== "messages" || !isRequest(message)) return undefined;
  const reader = reply.messages.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
  try {
    while (true) {
      const next = await Promise.race([reader.read(), timeout]);
      if (!next || next.done) return undefined;
      if (isResponse(next.value.message) && "id" in next.value.message && next.value.message.id === message.id) {
        return next.value.message;
      }
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
}

function _strip(message: JsonRpcMessage | undefined, ignore: JsonPath[]): unknown {
  if (!message) return undefined;
  let out: unknown = { ...message, id: undefined };
  for (const path of ignore) if (getPath(out, path) !== undefined) out = removePath(out, path);
  return out;
}

function _detail(message: JsonRpcMessage): string {
  const params = ("params" in message ? message.params : undefined) as Record<string, unknown> | undefined;
  const name = params?.name ?? params?.uri;
  return typeof name === "string" ? ` ${name}` : "";
}

/**
 * Every leaf where `recorded` and `actual` differ, as JSON paths (at most 50).
 *
 * @example
 * ```ts
 * import { diffValues } from "./against.ts";
 * console.assert(diffValues({ a: [1, 2] }, { a: [1, 3] })[0]!.path === "a[1]");
 * ```
 */
export function diffValues(
  recorded: unknown,
  actual: unknown,
  path = "",
): { path: string; recorded: unknown; actual: unknown }[] {
  const out: { path: string; recorded: unknown; actual: unknown }[] = [];
  const walk = (a: unknown, b: unknown, p: string) => {
    if (out.length >= 50 || a === b) return;
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${p}[${i}]`);
      return;
    }
    if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const k of keys) {
        walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], p ? `${p}.${k}` : k);
      }
      return;
    }
    out.push({ path: p || "(whole)", recorded: a, actual: b });
  };
  walk(recorded, actual, path);
  return out;
}
