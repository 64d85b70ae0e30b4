/**
 * Small helpers shared by the check files.
 *
 * @module
 */
import { type Context, describe, type Message, type Reply } from "../context.ts";
import type { Outcome, SuiteRevision } from "../types.ts";
import { type ModernAnswer, summary } from "../modern.ts";

/** 2025-03-26, 2025-06-18 and 2025-11-25. */
export const STREAMABLE: readonly SuiteRevision[] = ["2025-03-26", "2025-06-18", "2025-11-25"];
/** 2025-06-18 and 2025-11-25. */
export const FROM_2025_06: readonly SuiteRevision[] = ["2025-06-18", "2025-11-25"];
/** 2025-11-25 only. */
export const ONLY_2025_11: readonly SuiteRevision[] = ["2025-11-25"];
/** 2025-03-26 only. */
export const ONLY_2025_03: readonly SuiteRevision[] = ["2025-03-26"];

/** The JSON-RPC 2.0 specification section the framing checks cite. */
export const JSONRPC = "JSON-RPC 2.0 §5.1";

/** A session id that no server issued. */
export function unknownSessionId(): string {
  return `mcpwire-unknown-${crypto.randomUUID()}`;
}

/**
 * True for a plausible supported protocol version: a `YYYY-MM-DD` string other than `1999-01-01`, the bogus
 * version the negotiation checks ask for.
 *
 * @param version what the server answered as `protocolVersion`
 * @example
 * ```ts
 * plausibleVersion("2025-06-18"); // true
 * plausibleVersion("1999-01-01"); // false
 * ```
 */
export function plausibleVersion(version: unknown): version is string {
  return typeof version === "string" && /^\d{4}-\d{2}-\d{2}$/.test(version) && version !== "1999-01-01";
}

/** True for 2xx. */
export function ok(reply: Reply): boolean {
  return reply.status >= 200 && reply.status <= 299;
}

/** True for 4xx. */
export function clientError(reply: Reply): boolean {
  return reply.status >= 400 && reply.status <= 499;
}

/** True for a JSON-RPC response object (has `result` or `error`, no `method`). */
export function isResponse(m: Message): boolean {
  return !("method" in m) && ("result" in m || "error" in m);
}

/** True for a JSON-RPC request object (has `method` and `id`). */
export function isRequest(m: Message): boolean {
  return "method" in m && "id" in m;
}

/** The progress token of a `notifications/progress` message. */
export function progressToken(m: Message): unknown {
  return m.method === "notifications/progress" ? (m.params as Message | undefined)?.progressToken : undefined;
}

/** Reads a JSON error body: `{ code, id, hasId }` when the body is a JSON-RPC error, else undefined. */
export async function errorBody(reply: Reply): Promise<{ code: unknown; id: unknown; hasId: boolean } | undefined> {
  const body = await reply.json();
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const m = body as Message;
  if (typeof m.error !== "object" || m.error === null) return undefined;
  return { code: (m.error as Message).code, id: m.id, hasId: "id" in m };
}

/**
 * Judges a negative test that must be rejected with HTTP 400 and JSON-RPC error `code` (one of `codes`).
 *
 * @param ctx the check's context
 * @param what the bent request, as the message names it
 * @param answer what came back
 * @param codes the JSON-RPC error codes that count as the right rejection
 * @returns a pass, or a fail naming what came back instead (the reply as evidence)
 * @example
 * ```ts ignore
 * const answer = await askModern(ctx, "server/discover", {}, { headers: { "mcp-method": "tools/list" } });
 * return judgeRejection(ctx, "Mcp-Method: tools/list", answer, [HEADER_MISMATCH]);
 * ```
 */
export function judgeRejection(ctx: Context, what: string, answer: ModernAnswer, codes: number[]): Outcome {
  const expected = `HTTP 400 and JSON-RPC error ${codes.join(" or ")}`;
  if (answer.status === 400 && answer.code !== undefined && codes.includes(answer.code)) {
    return ctx.pass(`${what}: rejected with 400 and ${answer.code}`);
  }
  return ctx.fail(`${what}: answered ${summary(answer)}`, {
    expected,
    actual: summary(answer),
    evidence: [answer.reply],
  });
}

/**
 * Whether a modern exchange was served: HTTP 2xx carrying a JSON-RPC result.
 *
 * @param answer what came back
 * @example
 * ```ts ignore
 * if (!isServed(await askModern(ctx, "tools/list"))) return ctx.skip("tools/list is not served");
 * ```
 */
export function isServed(answer: ModernAnswer): boolean {
  return ok(answer.reply) && answer.result !== undefined;
}

/**
 * Judges an exchange that must be served: undefined when it was, else a fail `<what> answered HTTP …`
 * expecting `expected`, with the reply described as what came instead.
 *
 * @param ctx the check's context
 * @param what the request, as the message names it (e.g. `server/discover with Last-Event-ID: 42`)
 * @param answer what came back
 * @param expected the report's `expected`
 * @param served what counts as served (default {@link isServed})
 * @returns the fail, or undefined when the exchange was served
 * @example
 * ```ts ignore
 * const answer = await askModern(ctx, "tools/list");
 * const failed = unservedFailure(ctx, "tools/list", answer, "HTTP 200 with a JSON-RPC result");
 * if (failed) return failed;
 * ```
 */
export function unservedFailure(
  ctx: Context,
  what: string,
  answer: ModernAnswer,
  expected: string,
  served: (answer: ModernAnswer) => boolean = isServed,
): Outcome | undefined {
  if (served(answer)) return undefined;
  return ctx.fail(`${what} answered ${summary(answer)}`, { expected, actual: describe(answer.reply) });
}
