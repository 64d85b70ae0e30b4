/**
 * Runs the checks: resolves the target, detects the revisions the server supports (or takes them from the
 * options), runs the applicable checks in a pool of `concurrency` (reported in sequential order) with bounded
 * waits, maps outcomes by level and `--strict`, and builds the {@link Report}.
 *
 * @module
 */
import { pool } from "./pool.ts";
import { Context, type Environment, SkipError, TimeoutError } from "./context.ts";
import { detect } from "./detect.ts";
import { _race } from "./reply.ts";
import { ALL_CHECKS } from "./checks/mod.ts";
import type {
  Check,
  CheckResult,
  ConformanceOptions,
  Evidence,
  FetchLike,
  Outcome,
  Report,
  Status,
  SuiteRevision,
  Target,
} from "./types.ts";
import { eraOf } from "./types.ts";

const DEFAULT_URL = "http://mcp.invalid/mcp";
const UNREACHABLE_CHECKS = new Set(["T-EP-01", "T-LIFE-01"]);
const BODY_LIMIT = 600;

/** Splits a target into its URL and fetch function. */
export function _resolveTarget(target: Target): { url: string; fetch: FetchLike; sendsHost: boolean } {
  const globalFetch: FetchLike = (input, init) => fetch(input, init);
  // Deno's fetch replaces a given Host with the URL's authority; Bun's keeps it. A supplied fetch is trusted.
  const globalSendsHost = !globalThis.navigator?.userAgent?.startsWith("Deno/");
  if (typeof target === "function") return { url: DEFAULT_URL, fetch: target, sendsHost: true };
  if (typeof target === "string" || target instanceof URL) {
    return { url: String(target), fetch: globalFetch, sendsHost: globalSendsHost };
  }
  return { url: String(target.url), fetch: target.fetch ?? globalFetch, sendsHost: !!target.fetch || globalSendsHost };
}

/**
 * Runs the conformance suite against `target` and returns the report. Never throws for server behaviour:
 * hangs, network errors and bad answers become results. Checks that need a cooperating tool skip with a
 * reason when none is found.
 *
 * @param target the MCP endpoint URL, `{ url, fetch }`, or a fetch function (then the URL is `http://mcp.invalid/mcp`)
 * @param options see {@link ConformanceOptions}
 * @returns the report; `report.exitCode` is 1 when any result failed
 * @throws {TypeError} when the URL cannot be parsed, or `concurrency` is not a whole number ≥ 1
 *
 * @example
 * ```ts
 * const report = await runConformance("http://localhost:3001/mcp", { specVersions: ["2025-06-18"] });
 * console.log(report.verdict, report.totals);
 * ```
 */
export async function runConformance(target: Target, options: ConformanceOptions = {}): Promise<Report> {
  const startedAt = new Date().toISOString();
  const { url, fetch, sendsHost } = _resolveTarget(target);
  new URL(url);
  const concurrency = _concurrency(options.concurrency);
  const env = _environment(url, fetch, options);
  env.sendsHost = sendsHost;
  const detection = await detect(env, options);
  for (const d of detection) options.onProgress?.({ type: "detect", detection: d });
  const legacy = detection.find((d) => d.revision === "2024-11-05" && d.supported);
  if (legacy?.url) env.legacyUrl = legacy.url;
  let revisions = detection.filter((d) => d.supported).map((d) => d.revision);
  // Nothing answered initialize or server/discover: run only the checks that show why, not dozens of failures.
  const unreachable = revisions.length === 0;
  if (unreachable) revisions = ["2025-11-25"];
  revisions.sort();
  env.detected = revisions;

  const plan = revisions.map((revision) => ({
    revision,
    checks: ALL_CHECKS.filter((c) => applies(c, revision, options) && (!unreachable || UNREACHABLE_CHECKS.has(c.id))),
  }));
  const total = plan.reduce((n, p) => n + p.checks.length, 0);
  const tasks = plan.flatMap(({ revision, checks }) => checks.map((check) => ({ check, revision })));
  const results: CheckResult[] = [];
  // Progress is reported in plan order (the sequential order) whatever order the checks finish in.
  const finished: (CheckResult | undefined)[] = new Array(tasks.length);
  const started = new Set<SuiteRevision>();
  let reported = 0;
  const flush = () => {
    for (; reported < tasks.length && finished[reported]; reported++) {
      const result = finished[reported]!;
      startRevision(result.revision);
      results.push(result);
      options.onProgress?.({ type: "result", result, done: results.length, total });
    }
  };
  const startRevision = (revision: SuiteRevision) => {
    if (started.has(revision)) return;
    // Revisions before this one that ran no checks are announced in order, too.
    for (const p of plan) {
      if (started.has(p.revision)) continue;
      started.add(p.revision);
      options.onProgress?.({ type: "start", revision: p.revision, checks: p.checks.length });
      if (p.revision === revision) break;
    }
  };
  await pool(tasks.length, concurrency, async (i) => {
    const { check, revision } = tasks[i]!;
    finished[i] = await runCheck(check, env, revision);
    flush();
  });
  for (const p of plan) startRevision(p.revision);
  const totals: Record<Status, number> = { pass: 0, fail: 0, warn: 0, skip: 0, info: 0 };
  for (const r of results) totals[r.status]++;
  const verdict = totals.fail > 0 ? "fail" : "pass";
  return {
    schema: "mcpwire.conformance/1",
    target: url,
    startedAt,
    finishedAt: new Date().toISOString(),
    strict: env.strict,
    revisions,
    detection,
    results,
    totals,
    verdict,
    exitCode: verdict === "fail" ? 1 : 0,
  };
}

/** The default number of checks run at once against one target (each holds one or two connections). */
export const DEFAULT_CONCURRENCY = 4;

/** `options.concurrency` as a whole number of at least 1, or {@link DEFAULT_CONCURRENCY}. */
function _concurrency(n: number | undefined): number {
  if (n === undefined) return DEFAULT_CONCURRENCY;
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`concurrency must be a whole number ≥ 1, got ${n}`);
  return n;
}

/** The settings every check of this run shares. */
function _environment(url: string, fetch: FetchLike, options: ConformanceOptions): Environment {
  const env: Environment = {
    url,
    fetch,
    headers: { ...options.headers },
    timeoutMs: options.timeoutMs ?? 5000,
    strict: options.strict ?? false,
    toolCache: new Map(),
  };
  if (options.streamTool) env.streamTool = options.streamTool;
  if (options.lowScopeToken) env.lowScopeToken = options.lowScopeToken;
  if (options.notifyTool) env.notifyTool = options.notifyTool;
  return env;
}

/** Whether `check` runs for `revision`: it covers the revision and matches `--only` (ID or prefix), if given. */
function applies(check: Check, revision: SuiteRevision, options: ConformanceOptions): boolean {
  if (!check.revisions.includes(revision)) return false;
  const only = options.only ?? [];
  return only.length === 0 || only.some((o) => check.id === o || check.id.startsWith(o));
}

/** Runs one check with a hard time bound and maps its outcome to a result. */
export async function runCheck(check: Check, env: Environment, revision: SuiteRevision): Promise<CheckResult> {
  const ctx = new Context(env, revision);
  const started = Date.now();
  const hardMs = env.timeoutMs * 12 + 1000;
  let outcome: Outcome;
  try {
    const got = await _race(check.run(ctx), hardMs);
    outcome = got === "timeout"
      ? ctx.fail(`The check did not finish within ${hardMs} ms: the server kept it waiting`)
      : got;
  } catch (error) {
    if (error instanceof SkipError) outcome = ctx.skip(error.message);
    else if (error instanceof TimeoutError) {
      outcome = ctx.fail(error.message, {
        evidence: [error.evidence],
        expected: "an answer within the timeout",
        actual: "no answer",
      });
    } else {
      const text = error instanceof Error ? error.message : String(error);
      outcome = ctx.fail(`The check could not complete: ${text}`);
    }
  } finally {
    await ctx.dispose();
  }
  let status = outcome.status;
  if (outcome.strict && env.strict && (status === "info" || status === "warn")) status = "fail";
  else if (status === "fail" && check.level !== "MUST" && !(outcome.strict && env.strict)) status = "warn";
  let evidence = outcome.evidence ?? [];
  if (evidence.length === 0 && status !== "skip") {
    const last = ctx.exchanges[ctx.exchanges.length - 1];
    if (last) evidence = [last];
  }
  const result: CheckResult = {
    id: check.id,
    area: check.area,
    revision,
    era: eraOf(revision),
    level: check.level,
    title: check.title,
    specRef: check.specRef,
    status,
    message: outcome.message,
    evidence: evidence.map(trimEvidence),
    durationMs: Date.now() - started,
  };
  if (outcome.expected !== undefined) result.expected = outcome.expected;
  if (outcome.actual !== undefined) result.actual = outcome.actual;
  return result;
}

function trim(text: string | undefined): string | undefined {
  if (text === undefined || text.length <= BODY_LIMIT) return text;
  return `${text.slice(0, 400)}… (${text.length - 550} characters left out) …${text.slice(-150)}`;
}

const SECRET_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);

function redact(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SECRET_HEADERS.has(name) ? `${value.split(" ")[0]} (redacted)` : value;
  }
  return out;
}

function trimEvidence(e: Evidence): Evidence {
  const out: Evidence = { request: { ...e.request, headers: redact(e.request.headers) } };
  const body = trim(e.request.body);
  if (body === undefined) delete out.request.body;
  else out.request.body = body;
  if (e.response) {
    out.response = { status: e.response.status, headers: redact(e.response.headers) };
    const rbody = trim(e.response.body);
    if (rbody !== undefined) out.response.body = rbody;
  }
  if (e.error) out.error = e.error;
  return out;
}
