/**
 * The upstreams of the era matrix, one definition each: server-everything over Streamable HTTP, over
 * HTTP+SSE and over stdio, the 2.x SDK stateless server (`testing/modern_server.mjs`), and the 1.x SDK
 * server (`testing/sdk1_server.mjs`). Each says how mcpwire reaches it and which tools and
 * resources carry each check, or why a check does not apply ("n/a").
 *
 * @module
 */
import { EVERYTHING, type HttpChild, startEverything } from "../e2e.ts";
import { startModernServer } from "../modern.ts";
import { startSdk1Server } from "../sdk1_server.ts";

/** The protocol era an upstream speaks. */
export type Era = "2025" | "2026-07-28";

/** A tool call: tool name and arguments. */
export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** The server→client round trip an upstream offers, or why it has none. */
export type RoundTrip =
  | { kind: "sampling" | "elicitation"; call: ToolCall; expect: RegExp }
  | { na: string };

/** What a started upstream offers the checks. */
export interface RunningUpstream {
  /** How mcpwire reaches it: `["--upstream", url]` or `["--", command, ...args]` (reverse and forward alike). */
  target: string[];
  /** A tool that sends progress notifications, then answers (within a few seconds). */
  progress: ToolCall;
  /** A tool slow enough (≥ 5 s) to be cancelled mid-call; sends progress. */
  slow: ToolCall;
  /** The echo tool (`{ message }` → `Echo: message`). */
  echo: string;
  /** Chooses the resource to read from `resources/list`. */
  resource: RegExp;
  /** The list-changed notification the upstream can be made to send, and how. */
  listChanged: {
    method: string;
    /** Makes the upstream send it: by a tool the client calls (`call`) or by an out-of-band hook (`poke`). */
    call?: ToolCall;
    poke?: () => Promise<void>;
  };
  roundTrip: RoundTrip;
  /** How many cancelled `slow` calls the upstream itself observed, where it can tell. */
  cancelledSeen?: () => Promise<number>;
  close(): Promise<void>;
}

/** One upstream of the matrix. */
export interface UpstreamDef {
  id: string;
  /** The column/row label in docs/era-matrix.md. */
  label: string;
  era: Era;
  /** Starts it once per test file; the cells that use it share it. */
  start(): Promise<RunningUpstream>;
}

const EVERYTHING_PROBES = {
  progress: { name: "trigger-long-running-operation", arguments: { duration: 1, steps: 3 } },
  slow: { name: "trigger-long-running-operation", arguments: { duration: 20, steps: 20 } },
  echo: "echo",
  resource: /^demo:\/\/resource\/static\//,
  listChanged: {
    method: "notifications/resources/list_changed",
    // Registers a session resource from a data URI (no network), so the server announces a new list.
    call: {
      name: "gzip-file-as-resource",
      arguments: { name: "matrix.txt.gz", data: "data:text/plain,matrix", outputType: "resourceLink" },
    },
  },
  roundTrip: {
    kind: "sampling" as const,
    call: { name: "trigger-sampling-request", arguments: { prompt: "matrix?", maxTokens: 10 } },
    expect: /sampled by the matrix client/,
  },
};

/** server-everything started as a child serving `mode`, reached at `path`. */
function everythingOver(mode: "streamableHttp" | "sse", path: string): () => Promise<RunningUpstream> {
  return async () => {
    const child: HttpChild = await startEverything(mode);
    return { target: ["--upstream", new URL(path, child.url).href], ...EVERYTHING_PROBES, close: () => child.close() };
  };
}

/**
 * Every upstream of the matrix, in table order.
 *
 * @example
 * ```ts
 * const upstream = await UPSTREAMS[0]!.start(); // server-everything over Streamable HTTP
 * console.log(upstream.target); // ["--upstream", "http://127.0.0.1:…/mcp"]
 * await upstream.close();
 * ```
 */
export const UPSTREAMS: UpstreamDef[] = [
  {
    id: "everything-http",
    label: "server-everything (Streamable HTTP)",
    era: "2025",
    start: everythingOver("streamableHttp", "/mcp"),
  },
  { id: "everything-sse", label: "server-everything (HTTP+SSE)", era: "2025", start: everythingOver("sse", "/sse") },
  {
    id: "everything-stdio",
    label: "server-everything (stdio)",
    era: "2025",
    start: () =>
      Promise.resolve({ target: ["--", "node", EVERYTHING, "stdio"], ...EVERYTHING_PROBES, close: async () => {} }),
  },
  {
    id: "modern",
    label: "2.x SDK stateless server",
    era: "2026-07-28",
    async start() {
      const server = await startModernServer();
      return {
        target: ["--upstream", server.endpoint.href],
        progress: { name: "slow", arguments: { steps: 3, stepMs: 150 } },
        slow: { name: "slow", arguments: { steps: 100, stepMs: 100 } },
        echo: "echo",
        resource: /^mcpwire:\/\/greeting$/,
        listChanged: { method: "notifications/tools/list_changed", poke: () => server.toolsChanged() },
        roundTrip: {
          kind: "elicitation",
          call: { name: "confirm", arguments: { target: "matrix" } },
          expect: /deployed to matrix/,
        },
        cancelledSeen: async () => (await server.log()).closedEarly,
        close: () => server.close(),
      };
    },
  },
  {
    id: "sdk1",
    label: "1.x SDK server (Streamable HTTP)",
    era: "2025",
    async start() {
      const server = await startSdk1Server();
      return {
        target: ["--upstream", server.url.href],
        progress: { name: "slow", arguments: { steps: 3, stepMs: 150 } },
        slow: { name: "slow", arguments: { steps: 100, stepMs: 100 } },
        echo: "echo",
        resource: /^fixture:\/\/greeting$/,
        listChanged: {
          method: "notifications/resources/list_changed",
          call: { name: "add-note", arguments: { name: `n${Date.now()}` } },
        },
        roundTrip: {
          kind: "elicitation",
          call: { name: "confirm", arguments: { target: "matrix" } },
          expect: /deployed to matrix/,
        },
        cancelledSeen: async () => (await server.log()).cancelled,
        close: () => server.close(),
      };
    },
  },
];
