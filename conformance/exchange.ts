/**
 * The HTTP half of a check's context: requests to the target through the injected `fetch`, each recorded as
 * evidence, every wait bounded by `timeoutMs`, and the outcome helpers that attach that evidence.
 * `ToolContext` (tools.ts) adds the server's tools on top, and `Context` (context.ts) sessions and streams.
 *
 * @module
 */
import { _race, Reply } from "./reply.ts";
import type { Evidence, Outcome, Status, SuiteRevision } from "./terms.ts";
import { type Environment, type RequestOptions, TimeoutError } from "./environment.ts";

/** `headers` as a plain record (names in lower case), for the evidence. */
function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/**
 * Requests and outcomes of one check run for one revision (the base of `ToolContext` and `Context`).
 * `dispose()` cancels every request and body the check left open.
 *
 * @example
 * ```ts ignore
 * const reply = await exchange.post(rpc("1", "ping"));
 * return reply.status === 200 ? exchange.pass("ping answered") : exchange.fail(`HTTP ${reply.status}`);
 * ```
 */
export class ExchangeContext {
  /** The revision under test. */
  readonly revision: SuiteRevision;
  /** The target URL (Streamable HTTP endpoint). */
  readonly url: string;
  /** Bound for every network wait, in milliseconds. */
  readonly timeoutMs: number;
  /** Shared settings. */
  readonly env: Environment;
  /** Every exchange of this check, in order. */
  readonly exchanges: Evidence[] = [];
  #controllers = new Set<AbortController>();
  #replies: Reply[] = [];
  #counter = 0;

  /** Creates a context for `revision` over `env`. */
  constructor(env: Environment, revision: SuiteRevision) {
    this.env = env;
    this.revision = revision;
    this.url = env.url;
    this.timeoutMs = env.timeoutMs;
  }

  /** A fresh request id, unique within this check (`prefix-N`). */
  nextId(prefix = "req"): string {
    return `${prefix}-${++this.#counter}`;
  }

  /** True when the revision under test is at least `revision`. */
  atLeast(revision: SuiteRevision): boolean {
    return this.revision >= revision;
  }

  /**
   * Sends one HTTP request and returns the {@link Reply} once the headers arrive.
   *
   * @throws {TimeoutError} when no response headers arrive within the timeout
   * @throws {Error} on a network error (the message says which)
   */
  async request(method: string, options: RequestOptions = {}): Promise<Reply> {
    const url = options.url ?? this.url;
    const headers = new Headers();
    for (const [name, value] of Object.entries(this.env.headers)) headers.set(name, value);
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (value === undefined) headers.delete(name);
      else headers.set(name, value);
    }
    const evidence: Evidence = { request: { method, url, headers: headerRecord(headers) } };
    if (options.body !== undefined) evidence.request.body = options.body;
    this.exchanges.push(evidence);
    const controller = new AbortController();
    this.#controllers.add(controller);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    // Redirects are followed, as client fetches do (e.g. a framework redirecting /mcp to /mcp/ with 307).
    const init: RequestInit = { method, headers, signal: controller.signal };
    if (options.body !== undefined) init.body = options.body;
    let response: Response | "timeout";
    try {
      response = await _race(this.env.fetch(url, init), timeoutMs);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      evidence.error = `request failed: ${text}`;
      throw new Error(`The ${method} request to ${url} failed: ${text}`);
    }
    if (response === "timeout") {
      controller.abort();
      evidence.error = `no response within ${timeoutMs} ms`;
      throw new TimeoutError(`The server did not answer ${method} within ${timeoutMs} ms`, evidence);
    }
    evidence.response = { status: response.status, headers: headerRecord(response.headers) };
    const reply = new Reply(response, evidence, timeoutMs);
    this.#replies.push(reply);
    return reply;
  }

  /** POSTs `message` (JSON-encoded unless it is a string) with `Content-Type: application/json` and the dual Accept. */
  post(message: unknown, options: RequestOptions = {}): Promise<Reply> {
    const body = typeof message === "string" ? message : JSON.stringify(message);
    return this.request("POST", {
      ...options,
      body,
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...options.headers,
      },
    });
  }

  /** Waits `ms` milliseconds. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Builds an outcome; `evidence` defaults to the last exchange. */
  outcome(status: Status, message: string, extra: OutcomeExtra = {}): Outcome {
    const evidence = (extra.evidence ?? []).map((e) => (e instanceof Reply ? e.evidence : e));
    const out: Outcome = { status, message, evidence };
    if (extra.expected !== undefined) out.expected = extra.expected;
    if (extra.actual !== undefined) out.actual = extra.actual;
    if (extra.strict) out.strict = true;
    return out;
  }

  /** A passing outcome. */
  pass(message: string, extra?: OutcomeExtra): Outcome {
    return this.outcome("pass", message, extra);
  }

  /** A failing outcome (reported as warn for SHOULD/MAY checks). */
  fail(message: string, extra?: OutcomeExtra): Outcome {
    return this.outcome("fail", message, extra);
  }

  /** A warning: a tolerated deviation. */
  warn(message: string, extra?: OutcomeExtra): Outcome {
    return this.outcome("warn", message, extra);
  }

  /** Recorded behaviour without a verdict. */
  info(message: string, extra?: OutcomeExtra): Outcome {
    return this.outcome("info", message, extra);
  }

  /** A row where the spec is silent or debated: info normally, fail under `--strict`. */
  strictFail(message: string, extra?: OutcomeExtra): Outcome {
    return this.outcome("info", message, { ...extra, strict: true });
  }

  /** A tolerated deviation on a debated row: warn normally, fail under `--strict`. */
  strictWarn(message: string, extra?: OutcomeExtra): Outcome {
    return this.outcome("warn", message, { ...extra, strict: true });
  }

  /** A skipped outcome with the reason. */
  skip(reason: string): Outcome {
    return this.outcome("skip", reason, { evidence: [] });
  }

  /** Cancels every request and body the check left open. */
  async dispose(): Promise<void> {
    await Promise.all(this.#replies.map((r) => r.close()));
    for (const controller of this.#controllers) controller.abort();
  }
}

/** Extra fields for outcome helpers. */
export interface OutcomeExtra {
  expected?: string;
  actual?: string;
  evidence?: (Reply | Evidence)[];
  strict?: boolean;
}
