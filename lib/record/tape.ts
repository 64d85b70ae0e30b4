/**
 * The tape format (version 1): JSON lines, one record per line. The first line is a header; then
 * messages and HTTP exchanges in the order mcpwire saw them. Documented in `docs/tapes.md`.
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import type { Direction } from "../protocol/envelope.ts";

/** The `format` value of a tape header. */
export const TAPE_FORMAT = "mcpwire-tape";
/** The tape format version this build writes and reads. */
export const TAPE_VERSION = 1;

/** The first line of a tape. */
export interface TapeHeader {
  type: "tape";
  format: typeof TAPE_FORMAT;
  version: number;
  /** ISO 8601 time the recording started. */
  createdAt: string;
  /** What was recorded: the upstream URL or command line. */
  upstream?: string;
}

/** One JSON-RPC message, as the client sent it or received it. */
export interface TapeMessage {
  type: "message";
  /** When mcpwire received it, ms since the epoch. */
  at: number;
  /** The downstream session id (absent before a session exists). */
  session?: string;
  direction: Direction;
  /** `post`: on the stream of the POST that carried its request; `get`: the standalone stream. */
  stream?: "post" | "get";
  /** The SSE event id the client saw (mcpwire's downstream id; resumable with `Last-Event-ID`). */
  eventId?: string;
  /** The upstream's SSE event id, when it had one. */
  upstreamEventId?: string;
  revision?: string;
  message: JsonRpcMessage;
}

/** One HTTP exchange with the client (Streamable HTTP only). */
export interface TapeExchange {
  type: "http";
  /** When the response head was ready, ms since the epoch. */
  at: number;
  session?: string;
  method: string;
  status: number;
  /** Time from the request to the response head, in ms. */
  durationMs: number;
  /** The request and response headers that matter to MCP (see `TAPE_HEADERS`); never credentials. */
  request: { headers: Record<string, string> };
  response: { headers: Record<string, string> };
}

/** Any line of a tape. */
export type TapeRecord = TapeHeader | TapeMessage | TapeExchange;

/** A parsed tape. */
export interface Tape {
  header: TapeHeader | undefined;
  records: (TapeMessage | TapeExchange)[];
}

/** The headers a tape keeps (lower case). `Authorization` and cookies are never recorded. */
export const TAPE_HEADERS = [
  "content-type",
  "accept",
  "mcp-session-id",
  "mcp-protocol-version",
  // 2026-07-28 request metadata mirrored for intermediaries (T-PV-09); `Mcp-Param-*` values may be private.
  "mcp-method",
  "mcp-name",
  "last-event-id",
  "www-authenticate",
  "allow",
  "retry-after",
  "origin",
];

/** A line that is not a tape record. */
export class TapeError extends Error {
  override name = "TapeError";
}

/**
 * Parses tape text. Blank lines are skipped; records of unknown `type` are skipped (newer tapes stay
 * readable).
 *
 * @param text The content of a `.jsonl` tape.
 * @returns The header and the records in order.
 * @throws {TapeError} On a line that is not JSON or a message record without a message, naming the line.
 * @example
 * ```ts
 * import { parseTape } from "./tape.ts";
 * const tape = parseTape('{"type":"message","at":1,"direction":"client-to-server","message":{"jsonrpc":"2.0","method":"x"}}\n');
 * console.assert(tape.records.length === 1);
 * ```
 */
export function parseTape(text: string): Tape {
  const tape: Tape = { header: undefined, records: [] };
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new TapeError(`Line ${n + 1}: not JSON (${error instanceof Error ? error.message : error})`);
    }
    const record = value as TapeRecord;
    if (typeof value !== "object" || value === null || typeof record.type !== "string") {
      throw new TapeError(`Line ${n + 1}: not a tape record (no "type")`);
    }
    if (record.type === "tape") {
      if (record.format !== TAPE_FORMAT) {
        throw new TapeError(`Line ${n + 1}: not an mcpwire tape (format ${record.format})`);
      }
      if (record.version > TAPE_VERSION) {
        throw new TapeError(`Line ${n + 1}: tape version ${record.version} is newer than ${TAPE_VERSION}`);
      }
      tape.header = record;
    } else if (record.type === "message") {
      if (typeof record.message !== "object" || record.message === null || typeof record.at !== "number") {
        throw new TapeError(`Line ${n + 1}: a message record needs "at" and "message"`);
      }
      if (record.direction !== "client-to-server" && record.direction !== "server-to-client") {
        throw new TapeError(`Line ${n + 1}: bad direction ${JSON.stringify(record.direction)}`);
      }
      tape.records.push(record);
    } else if (record.type === "http") {
      tape.records.push(record);
    }
  }
  return tape;
}

/**
 * One record as a tape line (with its newline).
 *
 * @example
 * ```ts
 * import { tapeLine } from "./tape.ts";
 * console.assert(tapeLine({ type: "message", at: 1, direction: "client-to-server", message: { jsonrpc: "2.0", method: "x" } }).endsWith("}\n"));
 * ```
 */
export function tapeLine(record: TapeRecord): string {
  return JSON.stringify(record) + "\n";
}

/**
 * The messages of a tape, grouped by session in order (records without a session under `""`).
 *
 * @example
 * ```ts
 * import { messagesBySession, parseTape } from "./tape.ts";
 * const tape = parseTape('{"type":"message","at":1,"session":"s","direction":"client-to-server","message":{"jsonrpc":"2.0","method":"x"}}');
 * console.assert(messagesBySession(tape).get("s")!.length === 1);
 * ```
 */
export function messagesBySession(tape: Tape): Map<string, TapeMessage[]> {
  const out = new Map<string, TapeMessage[]>();
  for (const r of tape.records) {
    if (r.type !== "message") continue;
    const key = r.session ?? "";
    let list = out.get(key);
    if (!list) out.set(key, list = []);
    list.push(r);
  }
  return out;
}
