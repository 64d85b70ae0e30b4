/**
 * The context a check runs in: an HTTP client bound to the target (through the injected `fetch`), helpers to
 * initialize a session for the revision under test, POST, open GET streams, and the outcome helpers that
 * attach evidence. Every network wait is bounded by `timeoutMs`.
 *
 * @module
 */
import { _race, type Message, Reply } from "./reply.ts";
import type { Evidence, FetchLike, Outcome, Status, SuiteRevision } from "./types.ts";

export { type Message, messagesOf, Reply } from "./reply.ts";

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
  name: string;
  args: Record<string, unknown>;
}

/** Settings shared by every check of a run (one per revision). */
export interface Environment {
  url: string;
  fetch: FetchLike;
  headers: Record<string, string>;
  timeoutMs: number;
  strict: boolean;
  streamTool?: ToolSpec;
  notifyTool?: ToolSpec;
  legacyUrl?: string;
  /** Per-revision cache of `tools/list` results. */
  toolCache: Map<string, Message[]>;
}

/** Options of one request. `undefined` header values remove a default header. */
export interface RequestOptions {
  url?: string;
  headers?: Record<string, string | undefined>;
  body?: string;
  timeoutMs?: number;
}

/** A client session (or a sessionless connection) established with `initialize`. */
export interface Session {
  /** The `Mcp-Session-Id` the server issued, if any. */
  id?: string;
  /** The protocol version from the InitializeResult. */
  negotiated: string;
  /** The InitializeResult. */
  result: Message;
  /** The reply that carried the InitializeResult. */
  initReply: Reply;
  /** Headers every later request of this session carries (session id, protocol version). */
  headers(): Record<string, string>;
  /** POSTs a message (object, array or raw string) with the session headers. */
  post(message: unknown, options?: RequestOptions): Promise<Reply>;
  /** Opens a GET on the endpoint with the session headers and `Accept: text/event-stream`. */
  get(options?: RequestOptions): Promise<Reply>;
  /** Sends DELETE with the session headers. */
  delete(options?: RequestOptions): Promise<Reply>;
  /** POSTs a request and reads until its response arrives; `response` is undefined when it did not. */
  call(method: string, params?: Record<string, unknown>, options?: RequestOptions): Promise<CallResult>;
}

/** The result of {@link Session.call}. */
export interface CallResult {
  id: string;
  reply: Reply;
  response?: Message;
  /** Every message read on the way, including the response. */
  messages: Message[];
}

const CLIENT_INFO = { name: "mcpwire-conformance", version: "0.1.0" };

/** Builds a JSON-RPC request object. */
export function rpc(id: string | number, method: string, params?: Record<string, unknown>): Message {
  return params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params };
}

/** Builds a JSON-RPC notification object. */
export function notification(method: string, params?: Record<string, unknown>): Message {
  return params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params };
}

/** Builds the `initialize` request for `protocolVersion`. */
export function initializeRequest(id: string | number, protocolVersion: string): Message {
  return rpc(id, "initialize", { protocolVersion, capabilities: {}, clientInfo: CLIENT_INFO });
}

function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** True for a JSON-RPC response (result or error) to `id`. */
export function isResponseTo(message: Message, id: string | number): boolean {
  return message.id === id && !("method" in message) && ("result" in message || "error" in message);
}

/** The JSON-RPC error code of `message`, if it is an error response. */
export function errorCodeOf(message: unknown): number | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const error = (message as Message).error;
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as Message).code;
  return typeof code === "number" ? code : undefined;
}

/**
 * The context of one check run for one revision. Create one per check; `dispose()` cancels everything the
 * check left open.
 */
export class Context {
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
  #sessions: string[] = [];

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
    const init: RequestInit = { method, headers, signal: controller.signal, redirect: "manual" };
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
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...options.headers },
    });
  }

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
    const session = this.#session(reply, result as Message);
    if (options.sendInitialized !== false) {
      const sent = await session.post(notification("notifications/initialized"));
      await sent.text(Math.min(this.timeoutMs, 1000));
    }
    return session;
  }

  #session(initReply: Reply, result: Message): Session {
    const ctx = this;
    const id = initReply.headers.get("mcp-session-id") ?? undefined;
    if (id !== undefined) this.#sessions.push(id);
    const negotiated = typeof result.protocolVersion === "string" ? result.protocolVersion : this.revision;
    const headers = (): Record<string, string> => {
      const out: Record<string, string> = {};
      if (id !== undefined) out["mcp-session-id"] = id;
      if (ctx.atLeast("2025-06-18")) out["mcp-protocol-version"] = negotiated;
      return out;
    };
    const session: Session = {
      id,
      negotiated,
      result,
      initReply,
      headers,
      post: (message, options = {}) => ctx.post(message, { ...options, headers: { ...headers(), ...options.headers } }),
      get: (options = {}) =>
        ctx.request("GET", { ...options, headers: { accept: "text/event-stream", ...headers(), ...options.headers } }),
      delete: (options = {}) => ctx.request("DELETE", { ...options, headers: { ...headers(), ...options.headers } }),
      async call(method, params, options = {}) {
        const requestId = ctx.nextId(method.replace(/\W+/g, "-"));
        const reply = await session.post(rpc(requestId, method, params), options);
        const read = await reply.readResponse(requestId, options.timeoutMs);
        const out: CallResult = { id: requestId, reply, messages: read.messages };
        if (read.matched) out.response = read.matched;
        return out;
      },
    };
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
   * The tool that streams progress: `--stream-tool`, else a candidate from `tools/list` (a name like
   * slow/long/progress/stream).
   *
   * @throws {SkipError} when there is none
   */
  async streamTool(session: Session): Promise<ToolSpec> {
    if (this.env.streamTool) return this.env.streamTool;
    const found = await this.#candidate(session, /slow|long|progress|stream/i);
    if (!found) {
      throw new SkipError("no tool that streams progress was found in tools/list; pass --stream-tool NAME --stream-args JSON");
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
    const found = await this.#candidate(session, /notif|list.?changed/i);
    if (!found) throw new SkipError("no tool that triggers a server notification was found in tools/list");
    return found;
  }

  async #candidate(session: Session, pattern: RegExp): Promise<ToolSpec | undefined> {
    const tools = await this.tools(session);
    const tool = tools.find((t) => typeof t.name === "string" && pattern.test(t.name));
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
  async streamingRequest(session: Session, text = "hello"): Promise<{ method: string; params: Record<string, unknown> }> {
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
    if (!reply.isSse) throw new SkipError(`the server answered ${method} with ${reply.mediaType || "no Content-Type"}, not SSE; nothing to check`);
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

  /**
   * Cancels every request and body the check left open, then ends the sessions it created (a best-effort
   * DELETE, bounded to one second, not recorded as evidence).
   */
  async dispose(): Promise<void> {
    await Promise.all(this.#replies.map((r) => r.close()));
    for (const controller of this.#controllers) controller.abort();
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

/** Extra fields for outcome helpers. */
export interface OutcomeExtra {
  expected?: string;
  actual?: string;
  evidence?: (Reply | Evidence)[];
  strict?: boolean;
}

/** Describes a reply in a few words: `HTTP 200 application/json, 42 bytes`. */
export function describe(reply: Reply): string {
  const body = reply.evidence.response?.body ?? "";
  const type = reply.mediaType || "no Content-Type";
  return `HTTP ${reply.status} ${type}${body ? `, ${body.length} bytes` : reply.ended ? ", empty body" : ""}`;
}

/**
 * Builds arguments for a tool from its JSON Schema: defaults when given, small values for required
 * properties, and short durations/step counts for properties that look like them.
 */
export function _argsFromSchema(schema: unknown): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (typeof schema !== "object" || schema === null) return args;
  const s = schema as { properties?: Record<string, Message>; required?: string[] };
  const required = new Set(s.required ?? []);
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    const type = prop.type;
    if (type === "number" || type === "integer") {
      if (/step|count/i.test(name)) args[name] = 3;
      else if (/ms|delay|interval/i.test(name)) args[name] = 200;
      else if (/duration|second|time/i.test(name)) args[name] = 1;
      else if (required.has(name)) args[name] = prop.default ?? 1;
    } else if (required.has(name)) {
      args[name] = prop.default ?? (type === "string" ? "mcpwire" : type === "boolean" ? false : {});
    }
  }
  return args;
}
