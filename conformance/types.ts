/**
 * Types shared by the conformance suite: checks, results, evidence, options and the report.
 *
 * @module
 */
import type { Context } from "./context.ts";
import type { Area, Era, Evidence, FetchLike, Level, Outcome, Status, SuiteRevision } from "./terms.ts";

export * from "./terms.ts";

/**
 * A conformance check: data plus a function. `run` gets a {@link Context} bound to the target and the
 * revision under test and returns an {@link Outcome}; throwing a `SkipError` skips, any other error fails.
 *
 * @example
 * ```ts
 * const check: Check = {
 *   id: "T-EP-03", area: "endpoint", revisions: ["2025-03-26"], level: "SHOULD",
 *   title: "Unsupported methods get 405 with Allow", specRef: "RFC 9110 §15.5.6",
 *   async run(ctx) { const r = await ctx.request("PUT"); return r.status === 405 ? ctx.pass("405") : ctx.fail("not 405"); },
 * };
 * ```
 */
export interface Check {
  /** Rule ID from `docs/spec-rules.md`, e.g. `T-POST-03`. */
  id: string;
  /** File/area the check belongs to. */
  area: Area;
  /** Revisions the rule applies to. */
  revisions: readonly SuiteRevision[];
  /** Requirement level. */
  level: Level;
  /** Short title in sentence case. */
  title: string;
  /** Where the rule is written, e.g. `2025-03-26 basic/transports §Sending Messages`. */
  specRef: string;
  /** Performs the check. */
  run(ctx: Context): Promise<Outcome>;
}

/** The result of one check for one revision, as reported. */
export interface CheckResult {
  id: string;
  area: Area;
  revision: SuiteRevision;
  /** The era the check ran in: `modern` for 2026-07-28 (stateless), `legacy` for the earlier revisions. */
  era: Era;
  level: Level;
  title: string;
  specRef: string;
  status: Status;
  message: string;
  expected?: string;
  actual?: string;
  evidence: Evidence[];
  /** Wall-clock time the check took, in milliseconds. */
  durationMs: number;
}

/** What the suite learned about one revision before running checks. */
export interface Detection {
  revision: SuiteRevision;
  supported: boolean;
  /** How it was decided, e.g. `initialize answered protocolVersion 2025-06-18`. */
  note: string;
  /** For 2024-11-05: the SSE URL of the legacy transport. */
  url?: string;
}

/** The whole run, as returned by `runConformance` and written by `--format json`. */
export interface Report {
  /** Format version of this object. */
  schema: "mcpwire.conformance/1";
  target: string;
  startedAt: string;
  finishedAt: string;
  strict: boolean;
  /** Revisions the checks ran for, oldest first. */
  revisions: SuiteRevision[];
  detection: Detection[];
  results: CheckResult[];
  totals: Record<Status, number>;
  /** `fail` when any result is `fail` (MUST checks, or strict rows under `--strict`). */
  verdict: "pass" | "fail";
  /** 1 when `verdict` is `fail`, else 0. */
  exitCode: 0 | 1;
}

/** Events reported while the suite runs (for progress output). */
export type ProgressEvent =
  | { type: "detect"; detection: Detection }
  | { type: "start"; revision: SuiteRevision; checks: number }
  | { type: "result"; result: CheckResult; done: number; total: number };

/** Options of `runConformance`. Every field is optional. */
export interface ConformanceOptions {
  /** Revisions to check; default: detected by initializing with each. */
  specVersions?: SuiteRevision[];
  /** Turn rows where the spec is silent or debated into failures. @default false */
  strict?: boolean;
  /** Extra headers on every request (e.g. `Authorization`). */
  headers?: Record<string, string>;
  /**
   * A bearer token the server accepts but that lacks a scope some request needs (`--low-scope-token`):
   * T-SEC-06 then checks the 403 `insufficient_scope` answer.
   */
  lowScopeToken?: string;
  /** Only run checks whose ID equals or starts with one of these (e.g. `T-SESS`). */
  only?: string[];
  /** Upper bound for every single network wait, in milliseconds. @default 5000 */
  timeoutMs?: number;
  /**
   * How many checks run at once against the target, after detection (which always runs alone). Results come
   * back in the same order, with the same verdicts, as a sequential run. `1` runs one check at a time.
   * @default 4
   */
  concurrency?: number;
  /** URL of a legacy 2024-11-05 SSE endpoint (GET) to check as well. */
  legacySseUrl?: string;
  /** A tool that streams progress (used by streaming and resumption checks). */
  streamTool?: { name: string; args: Record<string, unknown> };
  /** A tool that makes the server send a notification (e.g. `notifications/tools/list_changed`). */
  notifyTool?: { name: string; args: Record<string, unknown> };
  /** Called as the run progresses. */
  onProgress?: (event: ProgressEvent) => void;
}

/** A target: a URL, or an object with a URL and a fetch function, or a bare fetch function. */
export type Target = string | URL | { url: string | URL; fetch?: FetchLike } | FetchLike;
