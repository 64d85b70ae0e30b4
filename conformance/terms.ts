/**
 * The suite's basic terms, shared by the checks, the context and the reports: requirement levels, result
 * statuses, areas, the revisions under test, evidence and outcomes. It imports nothing, so every other
 * module of the suite can use it without an import cycle.
 *
 * @module
 */

/** Requirement level of a rule, as the spec words it (RFC 2119). Rows where the spec is silent use `MAY`. */
export type Level = "MUST" | "SHOULD" | "MAY";

/**
 * Result of one check for one revision.
 * - `pass`: the rule holds.
 * - `fail`: a MUST is broken (or, with `--strict`, a row where the spec is silent or debated).
 * - `warn`: a SHOULD or MAY expectation is not met, or a tolerated deviation.
 * - `skip`: not applicable or not testable here; the message says why.
 * - `info`: behaviour recorded, no verdict.
 */
export type Status = "pass" | "fail" | "warn" | "skip" | "info";

/** The area a check belongs to; one file under `conformance/checks/` per area. */
export type Area =
  | "endpoint"
  | "jsonrpc"
  | "get"
  | "resumability"
  | "sessions"
  | "version"
  | "lifecycle"
  | "security"
  | "content"
  | "legacy";

/** Every area in report order. */
export const AREAS: readonly Area[] = [
  "endpoint",
  "jsonrpc",
  "get",
  "resumability",
  "sessions",
  "version",
  "lifecycle",
  "security",
  "content",
  "legacy",
];

/**
 * Protocol revisions the suite checks: 2024-11-05 is the legacy HTTP+SSE transport, 2025-03-26 to 2025-11-25
 * Streamable HTTP with `initialize` and sessions, 2026-07-28 stateless Streamable HTTP (per-request `_meta`).
 */
export type SuiteRevision = "2024-11-05" | "2025-03-26" | "2025-06-18" | "2025-11-25" | "2026-07-28";

/** Every revision the suite knows, oldest first. */
export const SUITE_REVISIONS: readonly SuiteRevision[] = [
  "2024-11-05",
  "2025-03-26",
  "2025-06-18",
  "2025-11-25",
  "2026-07-28",
];

/**
 * The spec's two eras (2026-07-28 basic/versioning §Terminology): `legacy` revisions open with an `initialize`
 * handshake (2025-11-25 and earlier), `modern` ones carry version and capabilities on every request.
 */
export type Era = "legacy" | "modern";

/** Revisions of the modern (stateless, per-request `_meta`) era, oldest first. */
export const STATELESS_REVISIONS: readonly SuiteRevision[] = ["2026-07-28"];

/**
 * The era of `revision`: `modern` from 2026-07-28 on, else `legacy`.
 *
 * @example
 * ```ts
 * eraOf("2026-07-28"); // "modern"
 * eraOf("2025-11-25"); // "legacy"
 * ```
 */
export function eraOf(revision: SuiteRevision): Era {
  return revision >= "2026-07-28" ? "modern" : "legacy";
}

/** Streamable HTTP revisions that open with `initialize` (the legacy era's Streamable HTTP), oldest first. */
export const MODERN_REVISIONS: readonly SuiteRevision[] = ["2025-03-26", "2025-06-18", "2025-11-25"];

/**
 * One HTTP exchange as recorded for a result: the request and (when one came) the response, both trimmed.
 * Header names are lower case. Bodies are cut to about 600 characters (SSE bodies are shown as frames).
 */
export interface Evidence {
  /** The request that was sent. */
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  /** The response, absent when none arrived (timeout, network error). */
  response?: { status: number; headers: Record<string, string>; body?: string };
  /** Why no (complete) response was seen, e.g. `no response within 5000 ms`. */
  error?: string;
}

/**
 * What a check's `run` returns. `status: "fail"` is reported as `warn` for SHOULD/MAY checks. `strict: true`
 * marks a row where the spec is silent or debated: reported as `info` normally and `fail` under `--strict`.
 */
export interface Outcome {
  /** The verdict (before level and strict mapping). */
  status: Status;
  /** One sentence a newcomer understands: what was seen and what it means. */
  message: string;
  /** What the rule expects, e.g. `HTTP 202 with an empty body`. */
  expected?: string;
  /** What came back, e.g. `HTTP 200 with 42 bytes`. */
  actual?: string;
  /** Exchanges that decided the result; defaults to the last exchange of the check. */
  evidence?: Evidence[];
  /** The row is silent or debated in the spec: info normally, fail under `--strict`. */
  strict?: boolean;
}

/** A fetch-compatible function the suite sends every request through. */
export type FetchLike = (input: Request | URL | string, init?: RequestInit) => Promise<Response>;
