/**
 * The shared state of one Streamable HTTP endpoint, and the helpers its POST, GET and DELETE handlers
 * use: session lookup (T-SESS-05/06), the version header check (T-PV-02), header forwarding.
 *
 * @module
 */
import { endToEndHeaders, PROTOCOL_VERSION_HEADER, SESSION_ID_HEADER } from "../protocol/headers.ts";
import { isRevision, rulesFor } from "../protocol/revisions.ts";
import type { EventStore } from "../stores/event_store.ts";
import type { ChannelOptions } from "../session/channel.ts";
import type { KeepAlive } from "../session/sse_connection.ts";
import { HttpError } from "./errors.ts";
import type { LiveSession } from "../session/live_session.ts";
import type { SessionCore } from "../session/core.ts";
import type { ModernBridge } from "../bridge/bridge.ts";
import type { EraCache } from "../upstream/era.ts";
import { credentialsConsumed } from "../security/auth.ts";
import { callerOf } from "../security/caller.ts";
import { audit, requestFields } from "../security/audit.ts";
import type { Flights } from "../session/flights.ts";
import { StoreUnavailableError } from "../session/registry.ts";

/** What the handlers of one endpoint share. Built once by `createStreamableHttpEndpoint`. */
export interface EndpointContext {
  /** The message-level session core (sessions, upstream, observers). */
  core: SessionCore;
  events: EventStore;
  keepAlive: KeepAlive;
  retryMs: number;
  maxBodyBytes: number;
  /** Longest time to receive a request body, in ms; 0 forever. */
  bodyTimeoutMs: number;
  getStream: boolean;
  onReplay: ((count: number) => void) | undefined;
  /** What is known of the upstream's era: gates and learns from 2026-07-28 requests (T-BC-03). */
  era: EraCache;
  /** Serve only 2026-07-28: GET and DELETE get 405, `initialize` is refused (T-GET-06, T-LIFE-05). */
  modernOnly: boolean;
  /** The era bridge for 2026-07-28 clients of a 2025-era upstream (issue 13, docs/bridging.md). */
  bridge: ModernBridge;
  /** Reports an error worth logging. */
  report: (error: unknown) => void;
  /** In-flight request streams in the shared store, for takeover by another instance (issue 14). */
  flights: Flights;
}

/** Channel options of this endpoint, with or without priming events. */
export function channelOptions(ctx: EndpointContext, priming: boolean): ChannelOptions {
  return { store: ctx.events, priming, retryMs: ctx.retryMs, keepAlive: ctx.keepAlive };
}

/**
 * The live session a request names.
 *
 * @throws {HttpError} `session_required` (400, T-SESS-05) without the header; `session_not_found`
 * (404, T-SESS-06) for an unknown, expired or deleted id; `bad_gateway` (502) when a session another
 * instance created cannot be re-initialized upstream here.
 */
export async function sessionFor(ctx: EndpointContext, request: Request): Promise<LiveSession> {
  const id = request.headers.get(SESSION_ID_HEADER);
  if (id === null) throw new HttpError("session_required", "Bad Request: Mcp-Session-Id header is required");
  // Session binding first: another caller's id is refused before the session is touched or revived.
  checkSessionCaller(request, await ctx.core.registry.ownerOf(id));
  let session;
  try {
    session = await ctx.core.registry.get(id, upstreamHeaders(request));
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    // The session exists (another instance created it) but its upstream could not be initialized here.
    ctx.report(error);
    throw new HttpError("bad_gateway", error instanceof Error ? error.message : "The upstream failed");
  }
  if (!session) throw new HttpError("session_not_found", "Session not found");
  return session;
}

/**
 * T-PV-02: from 2025-06-18 an invalid or unsupported `MCP-Protocol-Version` is refused. The negotiated
 * revision stays in force either way (docs/endpoint.md).
 *
 * @throws {HttpError} `bad_protocol_version` (400).
 */
export function checkVersionHeader(request: Request, session: LiveSession): void {
  const value = request.headers.get(PROTOCOL_VERSION_HEADER);
  if (value === null || !session.rules.validatesVersionHeader) return;
  if (!isRevision(value) || rulesFor(value).transport === "stateless-http") {
    throw new HttpError("bad_protocol_version", `Bad Request: unsupported MCP-Protocol-Version ${value}`);
  }
}

/**
 * A session is bound to the caller that created it: another caller naming its id gets the same 404 as for
 * an unknown id (docs/auth.md), and an audit line.
 *
 * @throws {HttpError} `session_not_found` (404) when `owner` (the session's caller id; `undefined` for an
 * unknown session, left to the caller's own 404) is not the request's caller.
 */
export function checkSessionCaller(request: Request, owner: string | undefined): void {
  const caller = callerOf(request).id;
  if (owner === undefined || owner === caller) return;
  audit({
    decision: "session_denied",
    reason: "session belongs to another caller",
    caller,
    status: 404,
    ...requestFields(request),
  });
  throw new HttpError("session_not_found", "Session not found");
}

/** Headers never forwarded: the session id (the connector sets the upstream's), `Origin`, negotiation. */
const NOT_FORWARDED = [SESSION_ID_HEADER, "origin", "accept", "content-type"];
/** Also withheld once mcpwire consumed the client's credentials itself (no token passthrough). */
const CREDENTIALS = [...NOT_FORWARDED, "authorization", "x-api-key"];

/**
 * The headers of a downstream request that go upstream: end-to-end headers (`MCP-Protocol-Version`,
 * custom ones, and `Authorization` when mcpwire does not authenticate callers itself), without the session
 * id, `Origin`, and the negotiation headers the connector sets itself. When the authentication gate
 * consumed the request's credentials (`credentialsConsumed`), `Authorization` and `X-API-Key` stay here:
 * the client's token is for mcpwire, not the upstream (token passthrough is forbidden, docs/auth.md).
 */
export function upstreamHeaders(request: Request): Headers {
  return endToEndHeaders(request.headers, credentialsConsumed(request) ? CREDENTIALS : NOT_FORWARDED);
}
