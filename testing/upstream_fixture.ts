/**
 * An in-process Streamable HTTP MCP server for connector tests, with every fault as a knob: SSE streams cut
 * after N events, `retry` + close after the priming event (2025-11-25 polling), forgotten sessions (404 or
 * the SDK-style 400), no GET stream, a stateless server (no session id, GET answered 404), legacy-only
 * endpoints. It is a Web-standard handler; `fetch` calls it directly (no sockets).
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcRequest } from "../lib/jsonrpc/types.ts";
import { encodeEvent } from "../lib/sse/encode.ts";

/** Fault knobs. */
export interface FixtureOptions {
  /**
   * Cut the first connection of every `slow` tool stream after this many events (priming included). A call
   * can set its own with the tool argument `cutAfterEvents`.
   */
  cutAfterEvents?: number;
  /** How to cut: close the body cleanly, or error it (a network break). @default "error" */
  cutMode?: "close" | "error";
  /** Send `retry` (ms) with the priming event of SSE replies. */
  retryMs?: number;
  /** Close each SSE reply right after its priming event (the client must poll with GET). */
  pollingClose?: boolean;
  /** Serve the GET stream. @default true */
  getStream?: boolean;
  /** Status for unknown session ids. @default 404 */
  unknownSessionStatus?: 404 | 400;
  /** Delay between events of the `slow` tool, in ms. @default 20 */
  stepMs?: number;
  /** Status answered to every initialize POST (a legacy-only or broken server). */
  initializeStatus?: number;
  /** Answer requests with JSON instead of SSE. */
  json?: boolean;
  /**
   * A stateless server, as the SDK's `sessionIdGenerator: undefined` behind an app that routes only POST (the
   * official conformance suite's `tools_call` server): no `Mcp-Session-Id` is minted (T-SESS-01), any or no
   * session id is accepted, and GET and DELETE get an HTML-ish 404 ("Cannot GET /mcp"), never an SSE stream.
   */
  stateless?: boolean;
}

interface StoredEvent {
  id: string;
  data: string;
}

class FixtureStream {
  events: StoredEvent[] = [];
  /** This stream's own cut (the `cutAfterEvents` tool argument); else the fixture's. */
  cutAfter: number | undefined;
  done = false;
  listeners = new Set<() => void>();
  connections = 0;
  push(data: string, id: string) {
    this.events.push({ id, data });
    for (const l of this.listeners) l();
  }
  end() {
    this.done = true;
    for (const l of this.listeners) l();
  }
}

interface Session {
  id: string;
  protocolVersion: string;
  streams: Map<string, FixtureStream>;
  standalone: FixtureStream;
  nextEvent: number;
}

/** A recorded request. */
export interface Seen {
  method: string;
  headers: Headers;
  body?: JsonRpcMessage;
}

/**
 * Creates the fixture.
 *
 * @example
 * ```ts ignore
 * const fixture = createFixture({ stateless: true });
 * const upstream = streamableHttpUpstream({ url: "http://upstream.test/mcp", fetch: fixture.fetch });
 * ```
 */
export function createFixture(options: FixtureOptions = {}) {
  const sessions = new Map<string, Session>();
  const seen: Seen[] = [];
  let sessionCounter = 0;

  const sse = (stream: FixtureStream, fromIndex: number, session: Session, first: boolean) => {
    stream.connections++;
    let index = fromIndex;
    let written = 0;
    let listener: (() => void) | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const enc = new TextEncoder();
        const flush = () => {
          while (index < stream.events.length) {
            const e = stream.events[index++]!;
            controller.enqueue(
              enc.encode(encodeEvent({ id: e.id, ...(e.data === "" ? {} : { event: "message" }), data: e.data })),
            );
            written++;
            const cutAfter = stream.cutAfter ?? options.cutAfterEvents;
            if (first && cutAfter !== undefined && written >= cutAfter && !stream.done) {
              stream.listeners.delete(listener!);
              if ((options.cutMode ?? "error") === "error") controller.error(new Error("connection reset"));
              else controller.close();
              return;
            }
          }
          if (stream.done) {
            stream.listeners.delete(listener!);
            try {
              controller.close();
            } catch { /* closed */ }
          }
        };
        listener = flush;
        stream.listeners.add(listener);
        if (first && options.retryMs !== undefined) controller.enqueue(enc.encode(`retry: ${options.retryMs}\n\n`));
        flush();
        if (first && options.pollingClose && stream !== session.standalone) {
          stream.listeners.delete(listener);
          controller.close();
        }
      },
      cancel() {
        if (listener) stream.listeners.delete(listener);
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream", ...sessionHeader(session) } });
  };

  /** The session header of a response: none from a stateless server (T-SESS-01). */
  const sessionHeader = (session: Session): Record<string, string> =>
    options.stateless ? {} : { "mcp-session-id": session.id };

  const eventId = (session: Session, streamId: string) => `${streamId}:${++session.nextEvent}`;

  const answer = (session: Session, request: JsonRpcRequest): Response => {
    const result = (value: unknown) => ({ jsonrpc: "2.0", id: request.id, result: value });
    const streamId = `s${session.streams.size + 1}`;
    const stream = new FixtureStream();
    session.streams.set(streamId, stream);
    stream.push("", eventId(session, streamId)); // priming event (T-RES-04)
    const push = (m: unknown) => stream.push(JSON.stringify(m), eventId(session, streamId));
    const params = (request.params ?? {}) as {
      name?: string;
      arguments?: { steps?: number; cutAfterEvents?: number };
      _meta?: { progressToken?: unknown };
    };
    if (request.method === "tools/call" && params.name === "slow") {
      const steps = params.arguments?.steps ?? 5;
      stream.cutAfter = params.arguments?.cutAfterEvents;
      void (async () => {
        for (let i = 1; i <= steps; i++) {
          await new Promise((r) => setTimeout(r, options.stepMs ?? 20));
          push({
            jsonrpc: "2.0",
            method: "notifications/progress",
            params: { progressToken: params._meta?.progressToken ?? 0, progress: i, total: steps },
          });
        }
        push(result({ content: [{ type: "text", text: `done after ${steps} steps` }] }));
        stream.end();
      })();
    } else if (request.method === "tools/call" && params.name === "hang") {
      // Never answers.
    } else {
      push(
        result(request.method === "tools/call" ? { content: [{ type: "text", text: `called ${params.name}` }] } : {}),
      );
      stream.end();
    }
    if (options.json) {
      return new Response(stream.events[1]?.data ?? "{}", {
        headers: { "content-type": "application/json", ...sessionHeader(session) },
      });
    }
    return sse(stream, 0, session, true);
  };

  const lost = () =>
    new Response(
      JSON.stringify({
        jsonrpc: "2.0",
        id: null,
        error: {
          code: -32001,
          message: options.unknownSessionStatus === 400
            ? "Bad Request: No valid session ID provided"
            : "Session not found",
        },
      }),
      {
        status: options.unknownSessionStatus ?? 404,
        headers: { "content-type": "application/json" },
      },
    );

  /** The one implicit session of a stateless server: it holds the streams, nothing else. */
  const statelessSession = (): Session => {
    let session = sessions.get("stateless");
    if (!session) {
      session = {
        id: "stateless",
        protocolVersion: "",
        streams: new Map(),
        standalone: new FixtureStream(),
        nextEvent: 0,
      };
      sessions.set(session.id, session);
    }
    return session;
  };

  async function handler(request: Request): Promise<Response> {
    const sid = options.stateless ? "stateless" : request.headers.get("mcp-session-id");
    if (options.stateless && request.method !== "POST") {
      seen.push({ method: request.method, headers: request.headers });
      // Express without a route for the method: 404 with an HTML body, the same with or without a session id.
      return new Response(`Cannot ${request.method} /mcp`, { status: 404, headers: { "content-type": "text/html" } });
    }
    if (request.method === "POST") {
      const body = JSON.parse(await request.text()) as JsonRpcMessage;
      seen.push({ method: "POST", headers: request.headers, body });
      if ("method" in body && body.method === "initialize" && "id" in body) {
        if (options.initializeStatus) return new Response("no", { status: options.initializeStatus });
        if (options.stateless) statelessSession();
        const id = options.stateless ? "stateless" : `session-${++sessionCounter}`;
        const requested = (body.params as { protocolVersion?: string }).protocolVersion ?? "2025-06-18";
        const session: Session = {
          id,
          protocolVersion: requested,
          streams: new Map(),
          standalone: new FixtureStream(),
          nextEvent: 0,
        };
        if (!options.stateless) sessions.set(id, session);
        return new Response(
          JSON.stringify({
            jsonrpc: "2.0",
            id: body.id,
            result: { protocolVersion: requested, capabilities: {}, serverInfo: { name: "fixture", version: "1" } },
          }),
          {
            headers: { "content-type": "application/json", ...sessionHeader(session) },
          },
        );
      }
      const session = options.stateless ? statelessSession() : sid === null ? undefined : sessions.get(sid);
      if (!session) return lost();
      if (!("id" in body) || !("method" in body)) return new Response(null, { status: 202 });
      return answer(session, body as JsonRpcRequest);
    }
    if (request.method === "GET") {
      seen.push({ method: "GET", headers: request.headers });
      const session = sid === null ? undefined : sessions.get(sid);
      if (!session) return lost();
      const last = request.headers.get("last-event-id");
      if (last !== null) {
        for (const stream of [...session.streams.values(), session.standalone]) {
          const index = stream.events.findIndex((e) => e.id === last);
          if (index !== -1) return sse(stream, index + 1, session, false);
        }
        return new Response("unknown event id", { status: 400 });
      }
      if (options.getStream === false) return new Response(null, { status: 405, headers: { allow: "POST, DELETE" } });
      return sse(session.standalone, session.standalone.events.length, session, false);
    }
    if (request.method === "DELETE") {
      seen.push({ method: "DELETE", headers: request.headers });
      if (sid !== null) sessions.delete(sid);
      return new Response(null, { status: 405 });
    }
    return new Response(null, { status: 405 });
  }

  return {
    handler,
    fetch: ((input: RequestInfo | URL, init?: RequestInit) => handler(new Request(input, init))) as typeof fetch,
    seen,
    sessions,
    /** Simulates a restart: every session is forgotten. */
    forgetAll: () => sessions.clear(),
    /** Sends a server notification on a session's GET stream. */
    notify: (sessionId: string, message: JsonRpcMessage) => {
      const s = sessions.get(sessionId);
      s?.standalone.push(JSON.stringify(message), `g:${++s.nextEvent}`);
    },
  };
}
