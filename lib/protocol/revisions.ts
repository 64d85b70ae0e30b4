/**
 * The MCP protocol revisions mcpwire knows, and the one table of per-revision transport rules that drives
 * behaviour (never scattered `if`s on version strings).
 *
 * @module
 */

/** A protocol revision identifier, e.g. `"2025-06-18"`. */
export type Revision = "2024-11-05" | "2025-03-26" | "2025-06-18" | "2025-11-25" | "2026-07-28";

/** Transport-level rules of one protocol revision. Rule IDs refer to `docs/spec-rules.md`. */
export interface RevisionRules {
  /** The revision these rules belong to. */
  revision: Revision;
  /** Which HTTP transport the revision defines. */
  transport: "http+sse" | "streamable-http" | "stateless-http";
  /** JSON-RPC batches (arrays) are accepted in POST bodies (T-BATCH-01, T-BATCH-05). */
  batching: boolean;
  /** An invalid or unsupported `MCP-Protocol-Version` header gets 400 (T-PV-02). */
  validatesVersionHeader: boolean;
  /** Every SSE response opens with a priming event (id, empty data) and `retry` precedes an early close (T-RES-04). */
  primingEvents: boolean;
  /** Sessions (`Mcp-Session-Id`) and the standalone GET stream exist. */
  sessions: boolean;
  /**
   * Every request is self-contained: `params._meta` carries the protocol version and client capabilities
   * (T-PV-12) and the transport mirrors `method`, `params.name`/`params.uri` into `Mcp-Method` and
   * `Mcp-Name`, which must agree with the body (T-PV-06, T-PV-09).
   */
  requestMetadata: boolean;
  /** Closing a request's SSE response stream cancels the request (T-POST-10); else work goes on (T-POST-09). */
  disconnectCancels: boolean;
}

/** Every revision's rules, oldest first. */
export const REVISION_RULES: readonly RevisionRules[] = [
  {
    revision: "2024-11-05",
    transport: "http+sse",
    batching: false,
    validatesVersionHeader: false,
    primingEvents: false,
    sessions: true,
    requestMetadata: false,
    disconnectCancels: false,
  },
  {
    revision: "2025-03-26",
    transport: "streamable-http",
    batching: true,
    validatesVersionHeader: false,
    primingEvents: false,
    sessions: true,
    requestMetadata: false,
    disconnectCancels: false,
  },
  {
    revision: "2025-06-18",
    transport: "streamable-http",
    batching: false,
    validatesVersionHeader: true,
    primingEvents: false,
    sessions: true,
    requestMetadata: false,
    disconnectCancels: false,
  },
  {
    revision: "2025-11-25",
    transport: "streamable-http",
    batching: false,
    validatesVersionHeader: true,
    primingEvents: true,
    sessions: true,
    requestMetadata: false,
    disconnectCancels: false,
  },
  {
    revision: "2026-07-28",
    transport: "stateless-http",
    batching: false,
    validatesVersionHeader: true,
    primingEvents: false,
    sessions: false,
    requestMetadata: true,
    disconnectCancels: true,
  },
];

/** The revisions mcpwire's session-based endpoint negotiates, oldest first. */
export const SESSION_REVISIONS: readonly Revision[] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

/**
 * The stateless revisions mcpwire serves and forwards (request metadata, no sessions), oldest first: the
 * `supported` list of an UnsupportedProtocolVersion error (T-PV-07).
 */
export const STATELESS_REVISIONS: readonly Revision[] = ["2026-07-28"];

/**
 * The request methods whose name the transport mirrors into `Mcp-Name`, and the `params` member it comes
 * from (2026-07-28 "Standard Request Headers", T-PV-09).
 */
export const NAMED_METHODS: Readonly<Record<string, "name" | "uri">> = {
  "tools/call": "name",
  "resources/read": "uri",
  "prompts/get": "name",
};

/** The newest session-based revision: what `initialize` falls back to for an unknown request (T-LIFE-01). */
export const LATEST_SESSION_REVISION: Revision = "2025-11-25";

const BY_REVISION = new Map(REVISION_RULES.map((r) => [r.revision, r]));

/** Is `value` a revision mcpwire knows? */
export function isRevision(value: unknown): value is Revision {
  return typeof value === "string" && BY_REVISION.has(value as Revision);
}

/**
 * The rules of `revision`.
 *
 * @throws {RangeError} When the revision is unknown.
 * @example
 * ```ts
 * import { rulesFor } from "./revisions.ts";
 * console.assert(rulesFor("2025-03-26").batching);
 * ```
 */
export function rulesFor(revision: Revision): RevisionRules {
  const rules = BY_REVISION.get(revision);
  if (!rules) throw new RangeError(`Unknown protocol revision ${revision}`);
  return rules;
}

/**
 * Picks the revision to answer `initialize` with (T-LIFE-01): the requested one when supported, otherwise
 * the latest supported one (never an error).
 *
 * @param requested `params.protocolVersion` of the `initialize` request.
 * @param supported Revisions the server side supports. @default SESSION_REVISIONS
 */
export function negotiateRevision(requested: unknown, supported: readonly Revision[] = SESSION_REVISIONS): Revision {
  if (isRevision(requested) && supported.includes(requested)) return requested;
  return supported[supported.length - 1] ?? LATEST_SESSION_REVISION;
}
