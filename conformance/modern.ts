/**
 * Building and reading 2026-07-28 (modern, stateless) requests: the per-request `_meta`, the mirrored headers
 * (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`) with the `=?base64?…?=` form, the MCP error
 * codes, and reading an answer. The era probe (`detectModern`) is in detect.ts; the verdicts the 2026-07-28
 * checks share (`judgeRejection`, `unservedFailure`) are in checks/_helpers.ts.
 *
 * Rules: 2026-07-28 basic/transports/streamable-http §Request Metadata (T-PV-06…11), basic/index §_meta (T-PV-12).
 *
 * @module
 */
import {
  type Context,
  echoArgOf,
  type Message,
  NO_STREAM_TOOL,
  pickTool,
  type Reply,
  type RequestOptions,
  schemaProperties,
  SkipError,
  STREAM_TOOL_PATTERNS,
  type ToolSpec,
} from "./context.ts";

/** The modern revision. */
export const MODERN_VERSION = "2026-07-28";
/** `_meta` key of the request's protocol version (required). */
export const META_VERSION = "io.modelcontextprotocol/protocolVersion";
/** `_meta` key of the client capabilities (required). */
export const META_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
/** `_meta` key of the client name and version (optional). */
export const META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
/** JSON-RPC error code HeaderMismatch (T-PV-06, T-PV-09…11). */
export const HEADER_MISMATCH = -32020;
/** JSON-RPC error code MissingRequiredClientCapability (T-PV-13). */
export const MISSING_CAPABILITY = -32021;
/** JSON-RPC error code UnsupportedProtocolVersion (T-PV-07). */
export const UNSUPPORTED_VERSION = -32022;
/** The codes only a modern server sends; a legacy server's error must not carry them (T-BC-03). */
export const MODERN_ERROR_CODES: readonly number[] = [HEADER_MISMATCH, MISSING_CAPABILITY, UNSUPPORTED_VERSION];

const CLIENT_INFO = { name: "mcpwire-conformance", version: "0.1.0" };
const NAMED_METHODS: Record<string, "name" | "uri"> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
};

/**
 * Encodes a header value the 2026-07-28 way: plain when it is visible ASCII without leading or trailing space
 * and does not look like the sentinel, else `=?base64?<Base64 of UTF-8>?=` (T-PV-10).
 *
 * @param value the body value (a string, integer or boolean, converted to its string form)
 * @param force encode even a plain value
 * @example
 * ```ts
 * encodeHeaderValue("us-west1"); // "us-west1"
 * encodeHeaderValue("Hello, 世界"); // "=?base64?SGVsbG8sIOS4lueVjA==?="
 * ```
 */
export function encodeHeaderValue(value: string | number | boolean, force = false): string {
  const text = String(value);
  const plain = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(text) && !/^=\?base64\?.*\?=$/.test(text);
  if (plain && !force) return text;
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `=?base64?${btoa(binary)}?=`;
}

/** How to bend a modern request (negative tests). Every field is optional. */
export interface ModernOptions {
  /** `_meta` fields to set (a value of `undefined` removes the field). */
  meta?: Record<string, unknown>;
  /** Leave `_meta` out entirely. */
  noMeta?: boolean;
  /** Headers to set on top of the mirrored ones (`undefined` removes one, e.g. `mcp-method`). */
  headers?: Record<string, string | undefined>;
  /** Request options passed through (timeout). */
  timeoutMs?: number;
}

/**
 * The `_meta` of a modern request: protocol version 2026-07-28, empty client capabilities and the suite's
 * client info, with `overrides` applied (an `undefined` value removes a key).
 */
export function modernMeta(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const meta: Record<string, unknown> = {
    [META_VERSION]: MODERN_VERSION,
    [META_CAPABILITIES]: {},
    [META_CLIENT_INFO]: CLIENT_INFO,
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete meta[key];
    else meta[key] = value;
  }
  return meta;
}

/**
 * The mirrored headers of a modern request: `MCP-Protocol-Version`, `Mcp-Method`, and `Mcp-Name` for
 * `tools/call`, `prompts/get` (`params.name`) and `resources/read` (`params.uri`), encoded per T-PV-10.
 */
export function modernHeaders(method: string, params: Record<string, unknown> = {}): Record<string, string> {
  const headers: Record<string, string> = { "mcp-protocol-version": MODERN_VERSION, "mcp-method": method };
  const source = NAMED_METHODS[method];
  const name = source ? params[source] : undefined;
  if (typeof name === "string") headers["mcp-name"] = encodeHeaderValue(name);
  return headers;
}

/**
 * POSTs a modern JSON-RPC request (`_meta` plus mirrored headers) and returns the reply, unread, with its id.
 *
 * @throws {TimeoutError} when no response headers arrive in time
 * @example
 * ```ts
 * const { id, reply } = await postModern(ctx, "server/discover");
 * const read = await reply.readResponse(id);
 * ```
 */
export async function postModern(
  ctx: Context,
  method: string,
  params: Record<string, unknown> = {},
  options: ModernOptions = {},
): Promise<{ id: string; reply: Reply }> {
  const id = ctx.nextId("modern");
  const full = options.noMeta ? { ...params } : { ...params, _meta: { ...modernMeta(options.meta) } };
  const request: RequestOptions = { headers: { ...modernHeaders(method, params), ...options.headers } };
  if (options.timeoutMs !== undefined) request.timeoutMs = options.timeoutMs;
  const reply = await ctx.post({ jsonrpc: "2.0", id, method, params: full }, request);
  return { id, reply };
}

/** What a modern exchange came to: the HTTP status, the JSON-RPC message for the id, and its error code. */
export interface ModernAnswer {
  reply: Reply;
  status: number;
  /** The response to the request (from JSON or SSE), if one came. */
  message?: Message;
  /** `error.code` of that response or of an id-less error body. */
  code?: number;
  /** The `result`, when the response is a success. */
  result?: Message;
}

/**
 * POSTs a modern request and reads its answer (bounded by the timeout); never throws for a bad body.
 *
 * @throws {TimeoutError} when no response headers arrive in time
 */
export async function askModern(
  ctx: Context,
  method: string,
  params: Record<string, unknown> = {},
  options: ModernOptions = {},
): Promise<ModernAnswer & { id: string }> {
  const { id, reply } = await postModern(ctx, method, params, options);
  return { id, ...await readAnswer(reply, id) };
}

/** Reads the answer to `id` from `reply` (JSON body, SSE stream, or an id-less error body). */
export async function readAnswer(reply: Reply, id: string): Promise<ModernAnswer> {
  const read = await reply.readResponse(id).catch(() => undefined);
  let message = read?.matched;
  if (!message && !reply.isSse) {
    const body = await reply.json().catch(() => undefined);
    if (typeof body === "object" && body !== null && !Array.isArray(body) && "error" in body) message = body as Message;
  }
  const out: ModernAnswer = { reply, status: reply.status };
  if (message) {
    out.message = message;
    const error = message.error as Message | undefined;
    if (typeof error?.code === "number") out.code = error.code;
    if (typeof message.result === "object" && message.result !== null) out.result = message.result as Message;
  }
  return out;
}

/** `HTTP 400, -32020` style summary of an answer. */
export function summary(answer: ModernAnswer): string {
  const what = answer.code !== undefined ? `error ${answer.code}` : answer.result ? "a result" : "no JSON-RPC answer";
  return `HTTP ${answer.status}, ${what}`;
}

/**
 * The server's tools from a modern `tools/list`, cached for the run; `[]` when it fails.
 */
export async function modernTools(ctx: Context): Promise<Message[]> {
  const cached = ctx.env.toolCache.get(MODERN_VERSION);
  if (cached) return cached;
  const answer = await askModern(ctx, "tools/list");
  const tools = Array.isArray(answer.result?.tools) ? (answer.result.tools as Message[]) : [];
  ctx.env.toolCache.set(MODERN_VERSION, tools);
  return tools;
}

/** The supported versions `server/discover` lists (`[]` when it fails). */
export async function discoveredVersions(ctx: Context): Promise<string[]> {
  const answer = await askModern(ctx, "server/discover");
  const versions = answer.result?.supportedVersions;
  return Array.isArray(versions) ? versions.filter((v): v is string => typeof v === "string") : [];
}

/**
 * The tool that streams progress in the modern era: `--stream-tool`, else the first tool in `tools/list` named
 * like progress, stream, slow, long or sleep/wait/delay/countdown/tick (never sampling/elicitation/roots).
 *
 * @throws {SkipError} when there is none
 */
export async function modernStreamTool(ctx: Context): Promise<ToolSpec> {
  if (ctx.env.streamTool) return ctx.env.streamTool;
  const found = pickTool(await modernTools(ctx), STREAM_TOOL_PATTERNS);
  if (!found) throw new SkipError(NO_STREAM_TOOL);
  return found;
}

/**
 * Calls the modern stream tool ({@link modernStreamTool}) with `progressToken` in `_meta`; returns the tool and
 * the reply, unread, with its request id.
 *
 * @param ctx the check's context
 * @param progressToken the token the server's progress notifications must carry
 * @throws {SkipError} when there is no stream tool
 * @example
 * ```ts ignore
 * const { tool, id, reply } = await startModernStreamTool(ctx, "mcpwire-progress");
 * const read = await reply.readResponse(id);
 * ```
 */
export async function startModernStreamTool(
  ctx: Context,
  progressToken: string,
): Promise<{ tool: ToolSpec; id: string; reply: Reply }> {
  const tool = await modernStreamTool(ctx);
  const params = { name: tool.name, arguments: tool.args };
  return { tool, ...await postModern(ctx, "tools/call", params, { meta: { progressToken } }) };
}

/** A tool named like `echo` and the name of its string argument; undefined when there is none. */
export async function modernEchoTool(ctx: Context): Promise<{ name: string; arg: string } | undefined> {
  const tool = (await modernTools(ctx)).find((t) =>
    typeof t.name === "string" && /echo/i.test(t.name) && !hasHeaderParam(t)
  );
  return tool ? { name: tool.name as string, arg: echoArgOf(tool) } : undefined;
}

/** True when a tool's input schema mirrors a top-level property into an `Mcp-Param-*` header (`x-mcp-header`). */
export function hasHeaderParam(tool: Message): boolean {
  return Object.values(schemaProperties(tool)).some((p) => typeof p?.["x-mcp-header"] === "string");
}

/**
 * `error.data` of a modern error answer (e.g. `supported` for -32022, `requiredCapabilities` for -32021).
 *
 * @param answer what came back
 * @returns the data, or undefined when the answer is no error or carries none
 * @example
 * ```ts ignore
 * const supported = errorData(await askModern(ctx, "server/discover", {}, bent))?.supported;
 * ```
 */
export function errorData(answer: ModernAnswer): Message | undefined {
  return (answer.message?.error as Message | undefined)?.data as Message | undefined;
}
