/**
 * The envelope: a JSON-RPC message plus where it came from. Transports turn wire formats into envelopes
 * and back; proxies, interceptors and the recorder only see envelopes.
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import type { Revision } from "./revisions.ts";

/** Which way a message travels: from the client to the server, or from the server to the client. */
export type Direction = "client-to-server" | "server-to-client";

/** A JSON-RPC message in flight through mcpwire. */
export interface Envelope {
  direction: Direction;
  message: JsonRpcMessage;
  /** The downstream session id, when the transport has sessions. */
  sessionId?: string;
  /** The protocol revision of the session. */
  revision?: Revision;
  /**
   * The stream the message belongs to: `"post"` for a message on the response stream of a POST, `"get"`
   * for the standalone GET stream (or a stdio child's unsolicited output).
   */
  stream?: "post" | "get";
  /** The upstream's SSE event id, when the upstream sent one. */
  upstreamEventId?: string;
  /** The SSE event id mcpwire gave the message on its downstream stream (the client's `Last-Event-ID`). */
  eventId?: string;
  /** When mcpwire received the message, ms since the epoch. */
  receivedAt: number;
}

/** Where a message was seen, besides its direction: the fields of an {@linkcode Envelope} that may be absent. */
export interface EnvelopeOrigin {
  /** The stream: `"post"` (a request's response stream) or `"get"` (the standalone stream). */
  stream?: "post" | "get";
  /** The downstream session id. */
  sessionId?: string | undefined;
  /** The session's protocol revision. */
  revision?: Revision | undefined;
  /** The upstream's SSE event id. */
  upstreamEventId?: string | undefined;
  /** The downstream SSE event id. */
  eventId?: string | undefined;
}

/**
 * Builds an envelope stamped now, leaving out the origin fields that are `undefined` (so envelopes compare
 * and serialize the same wherever they are built: faces, interceptors, the forward proxy).
 *
 * @param direction Which way the message travels.
 * @param message The JSON-RPC message.
 * @param origin Stream, session, revision and event ids, when known.
 * @returns A new envelope with `receivedAt` = `Date.now()` (ms since the epoch).
 * @example
 * ```ts
 * import { createEnvelope } from "./envelope.ts";
 * const e = createEnvelope("client-to-server", { jsonrpc: "2.0", id: 1, method: "ping" }, { stream: "post" });
 * console.assert(e.stream === "post" && !("sessionId" in e));
 * ```
 */
export function createEnvelope(direction: Direction, message: JsonRpcMessage, origin: EnvelopeOrigin = {}): Envelope {
  const envelope: Envelope = { direction, message, receivedAt: Date.now() };
  if (origin.stream !== undefined) envelope.stream = origin.stream;
  if (origin.sessionId !== undefined) envelope.sessionId = origin.sessionId;
  if (origin.revision !== undefined) envelope.revision = origin.revision;
  if (origin.upstreamEventId !== undefined) envelope.upstreamEventId = origin.upstreamEventId;
  if (origin.eventId !== undefined) envelope.eventId = origin.eventId;
  return envelope;
}
