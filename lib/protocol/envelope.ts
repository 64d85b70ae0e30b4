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
