/**
 * The context a check runs in: {@linkcode ExchangeContext} (exchange.ts: an HTTP client bound to the target
 * through the injected `fetch`, the evidence of every exchange, the outcome helpers) and
 * {@linkcode ToolContext} (tools.ts: the server's tools) plus helpers to initialize a session for the
 * revision under test and open SSE and GET streams. Every network wait is bounded by `timeoutMs`. Checks
 * import everything they need from here.
 *
 * @module
 */
import { _race, type Message, type ReadResult, type Reply } from "./reply.ts";
import { excerpt, initializeRequest, notification, rpc } from "./messages.ts";
import { createSession, type Session } from "./session.ts";
import { Followed } from "./follow.ts";
import { type RequestOptions, SkipError } from "./environment.ts";
import { ToolContext } from "./tools.ts";
import type { Outcome } from "./terms.ts";

export { type Message, messagesOf, Reply } from "./reply.ts";
export {
  _argsFromSchema,
  describe,
  echoArgOf,
  errorCodeOf,
  excerpt,
  initializeRequest,
  isResponseTo,
  NO_STREAM_TOOL,
  notification,
  pickTool,
  rpc,
  schemaProperties,
  STREAM_TOOL_PATTERNS,
} from "./messages.ts";
export { type CallResult, type Session } from "./session.ts";
export { Followed } from "./follow.ts";
export { type Environment, type RequestOptions, SkipError, TimeoutError, type ToolSpec } from "./environment.ts";
export { ExchangeContext, type OutcomeExtra } from "./exchange.ts";
export { ToolContext } from "./tools.ts";

/**
 * The context of one check run for one revision: {@linkcode ExchangeContext}'s requests and outcomes and
 * {@linkcode ToolContext}'s tools, plus sessions for the revision under test and its streams. Create one
 * per check; `dispose()` cancels everything the check left open.
 */
export class Context extends ToolContext {
  #sessions: string[] = [];

  /**
   * Initializes a session for the revision under test (or `protocolVersion`) and, unless told otherwise,
   * sends `notifications/initialized`.
   *
   * @throws {SkipError} when initialize does not succeed (the check cannot run; T-EP-01 reports why)
   */
  async initialize(
    options: { protocolVersion?: string; sendInitialized?: boolean; headers?: Record<string, string | undefined> } = {},
  ): Promise<Session> {
    const protocolVersion = options.protocolVersion ?? this.revision;
    const id = this.nextId("init");
    const reply = await this.post(initializeRequest(id, protocolVersion), { headers: options.headers ?? {} });
    const read = await reply.readResponse(id);
    const result = read.matched?.result;
    if (reply.status < 200 || reply.status > 299 || typeof result !== "object" || result === null) {
      throw new SkipError(
        `initialize with protocolVersion ${protocolVersion} did not succeed (HTTP ${reply.status}); see T-EP-01`,
      );
    }
    const negotiated = (result as Message).protocolVersion;
    if (options.protocolVersion === undefined && negotiated !== this.revision) {
      throw new SkipError(
        `the server answered initialize(${this.revision}) with protocolVersion ${
          String(negotiated)
        }, so ${this.revision} is not supported and its rules do not apply`,
      );
    }
    const session = createSession(this, reply, result as Message);
    if (session.id !== undefined) this.#sessions.push(session.id);
    if (options.sendInitialized !== false) {
      const sent = await session.post(notification("notifications/initialized"));
      await sent.text(Math.min(this.timeoutMs, 1000));
    }
    return session;
  }

  /** How long to watch a stream for something that should not happen: a quarter of the timeout, at most 1 s. */
  get quietMs(): number {
    return Math.min(Math.round(this.timeoutMs / 4), 1000);
  }

  /**
   * POSTs {@link streamingRequest} and returns the reply with its request id.
   *
   * @throws {SkipError} when the server answers with JSON (no SSE stream to check) or an error status
   */
  async openSseResponse(session: Session): Promise<{ id: string; reply: Reply }> {
    const { method, params } = await this.streamingRequest(session);
    const id = this.nextId("sse");
    const reply = await session.post(rpc(id, method, params));
    if (reply.status !== 200) throw new SkipError(`${method} answered HTTP ${reply.status}; no SSE stream to check`);
    if (!reply.isSse) {
      throw new SkipError(
        `the server answered ${method} with ${reply.mediaType || "no Content-Type"}, not SSE; nothing to check`,
      );
    }
    return { id, reply };
  }

  /**
   * Opens an SSE response ({@link openSseResponse}) and follows it to the response: across reconnections from
   * 2025-11-25 on (where a server may end the connection early and continue on GET + Last-Event-ID, polling),
   * on the one connection before.
   *
   * @param session the session to POST in
   * @returns the request id, the follower (its `current` connection is the one read last) and the read
   * @throws {SkipError} as {@link openSseResponse} does
   * @example
   * ```ts ignore
   * const { id, followed, read } = await ctx.followSseResponse(session);
   * if (!read.matched) return ctx.fail(`no response to ${id}`, { actual: ctx.whyMissing(read) });
   * ```
   */
  async followSseResponse(session: Session): Promise<{ id: string; followed: Followed; read: ReadResult }> {
    const { id, reply } = await this.openSseResponse(session);
    const followed = this.follow(session, reply, this.atLeast("2025-11-25"));
    const read = await followed.readResponse(id);
    return { id, followed, read };
  }

  /**
   * Why an awaited message is missing, for a report's `actual`.
   *
   * @param read a read that did not match
   * @param waitedMs how long the read waited, in milliseconds (default: the timeout)
   * @returns `stream ended`, or `nothing within N ms` (N = `waitedMs`) when the stream stayed silent
   * @example
   * ```ts ignore
   * return ctx.fail("no response", { expected: "the response", actual: ctx.whyMissing(read) });
   * ```
   */
  whyMissing(read: { ended: boolean }, waitedMs: number = this.timeoutMs): string {
    return read.ended ? "stream ended" : `nothing within ${waitedMs} ms`;
  }

  /**
   * Watches `stream` for {@link quietMs} for a message that must not come: a pass when none does, else a fail
   * quoting the first one ({@link excerpt}).
   *
   * @param stream the SSE reply to watch
   * @param unwanted what must not appear
   * @param verdict `pass` message; `fail` message built from the unwanted message; `expected` text; `evidence`
   *   (default: the watched stream)
   * @returns the outcome
   * @example
   * ```ts ignore
   * return ctx.expectNone(get, isResponse, {
   *   pass: "no responses on the GET stream",
   *   fail: (m) => `the GET stream carried a response (id ${JSON.stringify(m.id)})`,
   *   expected: "only requests and notifications",
   * });
   * ```
   */
  async expectNone(
    stream: Reply,
    unwanted: (m: Message) => boolean,
    verdict: { pass: string; fail: (m: Message) => string; expected: string; evidence?: Reply[] },
  ): Promise<Outcome> {
    const read = await stream.readUntil(unwanted, this.quietMs);
    if (!read.matched) return this.pass(verdict.pass);
    return this.fail(verdict.fail(read.matched), {
      expected: verdict.expected,
      actual: excerpt(read.matched),
      evidence: verdict.evidence ?? [stream],
    });
  }

  /**
   * Opens the session's GET stream.
   *
   * @throws {SkipError} when the server offers none (405) or answers something else (see T-GET-01)
   */
  async openGetStream(session: Session, options: RequestOptions = {}): Promise<Reply> {
    const reply = await session.get(options);
    if (reply.status === 405) throw new SkipError("the server offers no GET stream (405)");
    if (reply.status !== 200 || !reply.isSse) {
      throw new SkipError(`GET answered HTTP ${reply.status} ${reply.mediaType}, not an SSE stream; see T-GET-01`);
    }
    return reply;
  }

  /** Follows `reply` across reconnections (see {@link Followed}); `resume: false` reads one connection only. */
  follow(session: Session, reply: Reply, resume = true): Followed {
    return new Followed(session, reply, this.timeoutMs, resume);
  }

  /**
   * Cancels every request and body the check left open, then ends the sessions it created (a best-effort
   * DELETE, bounded to one second, not recorded as evidence).
   */
  override async dispose(): Promise<void> {
    await super.dispose();
    await Promise.all(this.#sessions.map((id) => this.#endSession(id)));
  }

  async #endSession(id: string): Promise<void> {
    const controller = new AbortController();
    const headers = new Headers(this.env.headers);
    headers.set("mcp-session-id", id);
    if (this.atLeast("2025-06-18")) headers.set("mcp-protocol-version", this.revision);
    try {
      const done = this.env.fetch(this.url, { method: "DELETE", headers, signal: controller.signal })
        .then((r) => r.body?.cancel())
        .catch(() => {});
      if ((await _race(done, 1000)) === "timeout") controller.abort();
    } catch {
      // Cleanup is a courtesy; a server that refuses it is judged by T-SESS-08, not here.
    }
  }
}
