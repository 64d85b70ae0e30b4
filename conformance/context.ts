/**
 * The context a check runs in: {@linkcode ExchangeContext} (exchange.ts: an HTTP client bound to the target
 * through the injected `fetch`, the evidence of every exchange, the outcome helpers) plus helpers to
 * initialize a session for the revision under test, find the server's tools and open SSE and GET streams.
 * Every network wait is bounded by `timeoutMs`. Checks import everything they need from here.
 *
 * @module
 */
import { _race, type Message, type Reply } from "./reply.ts";
import { _argsFromSchema, initializeRequest, notification, rpc } from "./messages.ts";
import { createSession, type Session } from "./session.ts";
import { Followed } from "./follow.ts";
import { type RequestOptions, SkipError, type ToolSpec } from "./environment.ts";
import { ExchangeContext } from "./exchange.ts";

export { type Message, messagesOf, Reply } from "./reply.ts";
export {
  _argsFromSchema,
  describe,
  errorCodeOf,
  initializeRequest,
  isResponseTo,
  notification,
  rpc,
} from "./messages.ts";
export { type CallResult, type Session } from "./session.ts";
export { Followed } from "./follow.ts";
export { type Environment, type RequestOptions, SkipError, TimeoutError, type ToolSpec } from "./environment.ts";
export { ExchangeContext, type OutcomeExtra } from "./exchange.ts";

/**
 * The context of one check run for one revision: {@linkcode ExchangeContext}'s requests and outcomes, plus
 * sessions for the revision under test, the server's tools and its streams. Create one per check;
 * `dispose()` cancels everything the check left open.
 */
export class Context extends ExchangeContext {
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

  /** The server's tools (`tools/list`), cached per revision; `[]` when the call fails. */
  async tools(session: Session): Promise<Message[]> {
    const cached = this.env.toolCache.get(this.revision);
    if (cached) return cached;
    const { response } = await session.call("tools/list", {});
    const result = response?.result as Message | undefined;
    const tools = Array.isArray(result?.tools) ? (result.tools as Message[]) : [];
    this.env.toolCache.set(this.revision, tools);
    return tools;
  }

  /**
   * The tool that streams progress: `--stream-tool`, else a candidate from `tools/list` (names with
   * progress, stream, slow, long, then sleep/wait/delay/countdown/tick; never sampling/elicitation/roots tools).
   *
   * @throws {SkipError} when there is none
   */
  async streamTool(session: Session): Promise<ToolSpec> {
    if (this.env.streamTool) return this.env.streamTool;
    const found = await this.#candidate(session, [
      /progress/i,
      /stream/i,
      /slow/i,
      /long/i,
      /sleep|wait|delay|countdown|tick/i,
    ]);
    if (!found) {
      throw new SkipError(
        "no tool that streams progress was found in tools/list; pass --stream-tool NAME --stream-args JSON",
      );
    }
    return found;
  }

  /**
   * The tool that makes the server send a notification (e.g. `notifications/tools/list_changed`).
   *
   * @throws {SkipError} when there is none
   */
  async notifyTool(session: Session): Promise<ToolSpec> {
    if (this.env.notifyTool) return this.env.notifyTool;
    const found = await this.#candidate(session, [/list.?changed/i, /notif/i]);
    if (!found) throw new SkipError("no tool that triggers a server notification was found in tools/list");
    return found;
  }

  /** The first tool matching the patterns in priority order, skipping tools that need client features. */
  async #candidate(session: Session, patterns: RegExp[]): Promise<ToolSpec | undefined> {
    const tools = (await this.tools(session)).filter((t) =>
      typeof t.name === "string" && !/sampl|elicit|roots/i.test(t.name)
    );
    let tool: Message | undefined;
    for (const pattern of patterns) {
      tool = tools.find((t) => pattern.test(t.name as string));
      if (tool) break;
    }
    if (!tool) return undefined;
    return { name: tool.name as string, args: _argsFromSchema(tool.inputSchema) };
  }

  /** Calls the stream tool with a progress token; returns the reply (unread) and the request id. */
  async startStreamTool(session: Session, progressToken: string): Promise<{ id: string; reply: Reply }> {
    const tool = await this.streamTool(session);
    const id = this.nextId("stream");
    const reply = await session.post(
      rpc(id, "tools/call", { name: tool.name, arguments: tool.args, _meta: { progressToken } }),
    );
    return { id, reply };
  }

  /** How long to watch a stream for something that should not happen: a quarter of the timeout, at most 1 s. */
  get quietMs(): number {
    return Math.min(Math.round(this.timeoutMs / 4), 1000);
  }

  /** An echo-like tool: a tool named like `echo` and the name of its string argument; undefined when none. */
  async echoTool(session: Session): Promise<{ name: string; arg: string } | undefined> {
    const tools = await this.tools(session);
    const tool = tools.find((t) => typeof t.name === "string" && /echo/i.test(t.name));
    if (!tool) return undefined;
    const props = ((tool.inputSchema as Message | undefined)?.properties ?? {}) as Record<string, Message>;
    const names = Object.keys(props).filter((n) => props[n]?.type === "string");
    const arg = names.find((n) => /text|message/i.test(n)) ?? names[0] ?? "text";
    return { name: tool.name as string, arg };
  }

  /**
   * The request most likely to be answered with an SSE stream: the echo tool, else the stream tool, else
   * `tools/list`. Returns method and params.
   */
  async streamingRequest(
    session: Session,
    text = "hello",
  ): Promise<{ method: string; params: Record<string, unknown> }> {
    const echo = await this.echoTool(session);
    if (echo) return { method: "tools/call", params: { name: echo.name, arguments: { [echo.arg]: text } } };
    try {
      const tool = await this.streamTool(session);
      return { method: "tools/call", params: { name: tool.name, arguments: tool.args } };
    } catch {
      return { method: "tools/list", params: {} };
    }
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
