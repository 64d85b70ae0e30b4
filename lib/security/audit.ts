/**
 * The audit log: one JSON line per security decision (authentication failure, scope denial, session
 * binding denial, Origin/Host rejection, limit hit), with who, which session, which method and why. Lines
 * never carry secrets: no keys, no token bodies, no `Authorization` values — only the caller's id (a key's
 * name or a token's `sub`), which is not a secret.
 *
 * Every part of mcpwire reports through {@linkcode audit}; the CLI installs the sink with
 * {@linkcode setAuditSink} (stderr by default, `--audit-log FILE` otherwise).
 *
 * @module
 */
import { peerOf } from "./caller.ts";

/** What was decided. */
export type AuditDecision =
  | "auth_failed"
  | "scope_denied"
  | "session_denied"
  | "origin_rejected"
  | "host_rejected"
  | "limit_hit"
  | "rule_blocked";

/** One security decision. */
export interface AuditEvent {
  /** What was decided. */
  decision: AuditDecision;
  /** Why, in a few words (`missing credentials`, `token expired`, `max sessions per caller`). Never a secret. */
  reason: string;
  /** The caller id (`callerOf(request).id`), or `anonymous` when none was established. */
  caller?: string;
  /** The network address the request came from (`host:port`, see `peerOf`), when known. */
  peer?: string;
  /** The session id the request named, if any. */
  session?: string;
  /** The HTTP method (`POST`) or JSON-RPC method (`tools/call`) concerned. */
  method?: string;
  /** The request path (`/mcp`). */
  path?: string;
  /** The HTTP status answered (401, 403, 404, 429, 503). */
  status?: number;
  /** `rule_blocked`: the rule's `name` (or `rules[<index>]`). */
  rule?: string;
  /** `rule_blocked`: the tool a blocked `tools/call` named. */
  tool?: string;
  /** `rule_blocked`: which way the blocked message travelled. */
  direction?: "client-to-server" | "server-to-client";
}

/** Receives one finished audit line (JSON, no trailing newline). */
export type AuditSink = (line: string) => void;

let sink: AuditSink | undefined;

/**
 * Installs where audit lines go; `undefined` turns the audit log off (the default of the library).
 *
 * @example
 * ```ts
 * import { audit, setAuditSink } from "./audit.ts";
 * const lines: string[] = [];
 * setAuditSink((line) => lines.push(line));
 * audit({ decision: "auth_failed", reason: "missing credentials", path: "/mcp" });
 * setAuditSink(undefined);
 * console.assert(JSON.parse(lines[0]!).decision === "auth_failed");
 * ```
 */
export function setAuditSink(next: AuditSink | undefined): void {
  sink = next;
}

/**
 * Writes one audit line: `{"ts":"<ISO time>","audit":"<decision>","reason":…,"caller":…,…}`. Fields left
 * `undefined` are omitted. Never throws (a failing sink is ignored: auditing must not break a request).
 *
 * @example
 * ```ts
 * import { audit } from "./audit.ts";
 * audit({ decision: "limit_hit", reason: "max sessions per caller", caller: "ci-bot", status: 429 });
 * ```
 */
export function audit(event: AuditEvent): void {
  if (!sink) return;
  const { decision, ...rest } = event;
  try {
    sink(JSON.stringify({ ts: new Date().toISOString(), audit: decision, ...rest }));
  } catch {
    // An audit sink failure must not fail the request it describes.
  }
}

/**
 * The audit fields of an HTTP request: method, path, the session id it names (header `Mcp-Session-Id`
 * or legacy `?sessionId=`), and the client's address (`peerOf`) when mcpwire's own server accepted it.
 *
 * @example
 * ```ts
 * import { requestFields } from "./audit.ts";
 * console.assert(requestFields(new Request("http://h/message?sessionId=a")).session === "a");
 * ```
 */
export function requestFields(request: Request): Pick<AuditEvent, "method" | "path" | "session" | "peer"> {
  const url = new URL(request.url);
  const session = request.headers.get("mcp-session-id") ?? url.searchParams.get("sessionId") ?? undefined;
  const peer = peerOf(request);
  return {
    method: request.method,
    path: url.pathname,
    ...(session !== undefined ? { session } : {}),
    ...(peer !== undefined ? { peer } : {}),
  };
}
