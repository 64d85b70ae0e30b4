/**
 * Replays the client side of a tape against a live server and compares what it answers with what was
 * recorded: the recorded requests and notifications are sent in order, session by session; each
 * response is compared member by member (ids excepted), and each message of a request's stream by when
 * it arrived after the request.
 *
 * @module
 */
import { withDeadline } from "../kit/deadline.ts";
import { errorForHttpFailure } from "../kit/http_failure.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import { isRequest, isResponse } from "../jsonrpc/types.ts";
import type { Upstream } from "../upstream/types.ts";
import { compilePath, getPath, type JsonPath, removePath } from "../intercept/json_path.ts";
import { messagesBySession, type Tape } from "./tape.ts";
import { indexTape, type RecordedCall } from "./tape_index.ts";

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

/**
 * A server message of a request's stream that arrived earlier or later, relative to the start of its
 * stream (the request), than recorded, by more than the tolerance.
 */
export interface ReplayTimingDifference {
  session: string;
  /** e.g. `tools/call trigger-long-running-operation #3`. */
  request: string;
  /** Which message of the stream: `notifications/progress 2/4`, `notifications/message #1`, `response`. */
  message: string;
  /** Its recorded offset from the request, in ms. */
  recordedMs: number;
  /** Its offset from the request in this replay, in ms. */
  actualMs: number;
  /** The difference allowed for this message, in ms: max(`toleranceMs`, `toleranceRatio` · `recordedMs`). */
  toleranceMs: number;
}

/** The outcome of {@linkcode replayAgainst}. */
export interface ReplayReport {
  sessions: number;
  requests: number;
  /** Content differences of responses. */
  differences: ReplayDifference[];
  /** Timing differences of the messages on each request's stream (empty when `timing` is `false`). */
  timing: ReplayTimingDifference[];
}

/** How much a message's arrival may differ from the recorded one before it is a timing difference. */
export interface ReplayTimingOptions {
  /** The smallest difference reported, in ms. @default 50 */
  toleranceMs?: number;
  /** The share of the recorded offset that is tolerated (0.2 = 20 %), when more than `toleranceMs`. @default 0.2 */
  toleranceRatio?: number;
}

/** Options of {@linkcode replayAgainst}. */
export interface ReplayAgainstOptions {
  /** JSON paths (from the response root, e.g. `result.serverInfo.version`) left out of the comparison. */
  ignore?: string[];
  /** Longest wait for one response, in ms. @default 30_000 */
  timeoutMs?: number;
  /** Timing tolerance, or `false` to compare contents only. @default { toleranceMs: 50, toleranceRatio: 0.2 } */
  timing?: ReplayTimingOptions | false;
}

/**
 * Replays every recorded session of `tape` against `upstream`. Requests are sent one at a time, in the
 * recorded order, each when the previous one was answered. Compared per request: the response, member by
 * member (ids excepted); and the arrival of each message on the request's stream (progress and other
 * notifications, the response), as an offset from sending the request, with the recorded offset from the
 * recorded request. Messages are paired by kind and order (the second `notifications/progress` with the
 * second recorded one); a message without a recorded counterpart has no timing to compare.
 *
 * @param tape A parsed tape.
 * @param upstream The live server (e.g. `streamableHttpUpstream({ url })`).
 * @param options Paths to ignore, the per-response timeout, the timing tolerance.
 * @returns The sessions and requests replayed and every difference found.
 * @throws {UpstreamUnavailableError} When the server cannot be reached.
 * @throws {RangeError} When a timing tolerance is negative or not a number.
 * @example
 * ```ts ignore
 * const report = await replayAgainst(parseTape(text), streamableHttpUpstream({ url: "http://127.0.0.1:3001/mcp" }));
 * console.log(report.differences.length + report.timing.length === 0 ? "same" : report);
 * ```
 */
export async function replayAgainst(
  tape: Tape,
  upstream: Upstream,
  options: ReplayAgainstOptions = {},
): Promise<ReplayReport> {
  const ignore = (options.ignore ?? []).map(compilePath);
  const timing = options.timing === false ? undefined : _timing(options.timing ?? {});
  const report: ReplayReport = { sessions: 0, requests: 0, differences: [], timing: [] };
  // By the request record itself (the index and the session lists share the parsed objects): a request id
  // used twice in a session still finds its own answer.
  const calls = new Map<JsonRpcMessage, RecordedCall>(indexTape(tape).calls.map((c) => [c.request, c]));
  for (const [session, records] of messagesBySession(tape)) {
    const sent = records.filter((r) => r.direction === "client-to-server" && !isResponse(r.message));
    if (sent.length === 0) continue;
    report.sessions++;
    const connection = upstream.connect();
    try {
      for (const { message } of sent) {
        const arrivals = await _exchange(connection, message, options.timeoutMs ?? 30_000);
        if (!isRequest(message)) continue;
        report.requests++;
        const call = calls.get(message);
        if (!call) continue;
        const label = `${message.method}${_detail(message)} #${message.id}`;
        const recorded = call.replies.find((r) => isResponse(r.message));
        if (recorded) {
          const actual = arrivals.find((a) => isResponse(a.message))?.message;
          const a = _strip(actual, ignore);
          const b = _strip(recorded.message, ignore);
          for (const d of diffValues(b, a)) report.differences.push({ session, request: label, ...d });
        }
        if (timing) {
          for (const t of _timingDifferences(call, arrivals, timing)) {
            report.timing.push({ session, request: label, ...t });
          }
        }
      }
    } finally {
      await connection.close().catch(() => {});
    }
  }
  return report;
}

/** A server message as it arrived: its offset from sending the request, in ms. */
interface _Arrival {
  offsetMs: number;
  message: JsonRpcMessage;
}

function _timing(options: ReplayTimingOptions): Required<ReplayTimingOptions> {
  const resolved = { toleranceMs: options.toleranceMs ?? 50, toleranceRatio: options.toleranceRatio ?? 0.2 };
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`replayAgainst: timing.${name} must be a finite number of at least 0 (got ${value})`);
    }
  }
  return resolved;
}

/** Pairs recorded and live messages by kind and order, and keeps the pairs beyond the tolerance. */
function _timingDifferences(
  call: RecordedCall,
  arrivals: _Arrival[],
  timing: Required<ReplayTimingOptions>,
): Omit<ReplayTimingDifference, "session" | "request">[] {
  const live = new Map<string, _Arrival>();
  const liveCounts = new Map<string, number>();
  for (const a of arrivals) {
    const kind = _kind(a.message);
    const n = (liveCounts.get(kind) ?? 0) + 1;
    liveCounts.set(kind, n);
    live.set(`${kind} ${n}`, a);
  }
  const out: Omit<ReplayTimingDifference, "session" | "request">[] = [];
  const counts = new Map<string, number>();
  for (const reply of call.replies) {
    const kind = _kind(reply.message);
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    const actual = live.get(`${kind} ${n}`);
    if (!actual) continue;
    const recordedMs = reply.at - call.at;
    const toleranceMs = Math.max(timing.toleranceMs, timing.toleranceRatio * recordedMs);
    if (Math.abs(actual.offsetMs - recordedMs) > toleranceMs) {
      out.push({ message: _messageLabel(reply.message, kind, n), recordedMs, actualMs: actual.offsetMs, toleranceMs });
    }
  }
  return out;
}

/** What pairs a live message with a recorded one: `response`, or the method of a notification or request. */
function _kind(message: JsonRpcMessage): string {
  return "method" in message ? message.method : "response";
}

function _messageLabel(message: JsonRpcMessage, kind: string, n: number): string {
  if (kind === "response") return kind;
  const params = ("params" in message ? message.params : undefined) as Record<string, unknown> | undefined;
  if (kind === "notifications/progress" && typeof params?.progress === "number") {
    return `${kind} ${params.progress}${typeof params.total === "number" ? `/${params.total}` : ""}`;
  }
  return `${kind} #${n}`;
}

/** Sends one message; for a request, collects what arrives on its stream up to and with its response. */
async function _exchange(
  connection: ReturnType<Upstream["connect"]>,
  message: JsonRpcMessage,
  timeoutMs: number,
): Promise<_Arrival[]> {
  const started = Date.now();
  const reply = await connection.send([message]);
  if (reply.type === "http") {
    if (!isRequest(message)) {
      await reply.response.body?.cancel().catch(() => {});
      return [];
    }
    const error = await errorForHttpFailure(message.id, reply.response);
    return [{ offsetMs: Date.now() - started, message: error }];
  }
  if (reply.type !== "messages" || !isRequest(message)) return [];
  const arrivals: _Arrival[] = [];
  const reader = reply.messages.getReader();
  const until = Date.now() + timeoutMs;
  try {
    while (true) {
      const next = await withDeadline(reader.read(), Math.max(1, until - Date.now()), { onTimeout: () => undefined });
      if (!next || next.done) return arrivals;
      arrivals.push({ offsetMs: Date.now() - started, message: next.value.message });
      if (isResponse(next.value.message) && "id" in next.value.message && next.value.message.id === message.id) {
        return arrivals;
      }
    }
  } finally {
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
