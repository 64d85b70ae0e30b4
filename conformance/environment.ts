/**
 * What every check of a run shares: the environment (target, fetch, headers, timeouts, cooperating tools),
 * request options, and the two errors a check may throw (skip, timeout).
 *
 * @module
 */
import type { Message } from "./reply.ts";
import type { Evidence, FetchLike, SuiteRevision } from "./terms.ts";

/** Thrown inside a check to skip it; the message is the reason shown to the user. */
export class SkipError extends Error {
  override name = "SkipError";
}

/** Thrown when a server does not answer within the timeout; the runner turns it into a fail (or warn). */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  /** The exchange that timed out. */
  readonly evidence: Evidence;
  /** Creates the error for `evidence`. */
  constructor(message: string, evidence: Evidence) {
    super(message);
    this.evidence = evidence;
  }
}

/** A tool to call, with its arguments. */
export interface ToolSpec {
  /** Tool name as in `tools/list`. */
  name: string;
  /** The `arguments` object of `tools/call`. */
  args: Record<string, unknown>;
}

/** Settings shared by every check of a run. */
export interface Environment {
  /** The Streamable HTTP endpoint. */
  url: string;
  /** Every request goes through this. */
  fetch: FetchLike;
  /** Extra headers on every request (`--header`), names lower case. */
  headers: Record<string, string>;
  /** `--low-scope-token`: a valid token lacking a scope (T-SEC-06's 403 half). */
  lowScopeToken?: string;
  /** Bound for each network wait, ms. */
  timeoutMs: number;
  /** `--strict`. */
  strict: boolean;
  /** `--stream-tool` / `--stream-args`. */
  streamTool?: ToolSpec;
  /** `--notify-tool` / `--notify-args`. */
  notifyTool?: ToolSpec;
  /** The legacy SSE endpoint, when 2024-11-05 is checked. */
  legacyUrl?: string;
  /** Revisions found supported (or forced with `--spec-version`); dual-era checks read it. @default [] */
  detected?: readonly SuiteRevision[];
  /** Whether `fetch` puts a given `Host` header on the wire (T-SEC-04 skips when not). @default true */
  sendsHost?: boolean;
  /** Per-revision cache of `tools/list` results. */
  toolCache: Map<string, Message[]>;
}

/** Options of one request. */
export interface RequestOptions {
  /** Another URL than the endpoint (legacy POST URL). */
  url?: string;
  /** Headers to add; an `undefined` value removes a default header (e.g. `authorization`). */
  headers?: Record<string, string | undefined>;
  /** Request body. */
  body?: string;
  /** Bound for the headers to arrive (and later reads of this reply), ms. */
  timeoutMs?: number;
}
