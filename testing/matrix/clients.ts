/**
 * The clients of the era matrix, one definition each: the 1.x SDK over Streamable HTTP and over the legacy
 * HTTP+SSE face of `mcpwire reverse` (`/sse`), the 2.x SDK with `versionNegotiation` auto and pinned to
 * 2026-07-28, and the 1.x SDK stdio client spawning `mcpwire forward`. Each is wrapped in one small
 * interface ({@linkcode MatrixClient}) so the checks are written once.
 *
 * @module
 */
import {
  Client,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ModernClient,
  ModernHttpClientTransport,
  ResourceListChangedNotificationSchema,
  SSEClientTransport,
  StdioClientTransport,
  StreamableHTTPClientTransport,
  ToolListChangedNotificationSchema,
} from "../deps.ts";
import { ROOT } from "../e2e.ts";
import { mcpwireCommand } from "./cli.ts";
import type { Era } from "./upstreams.ts";

/** The text every sampling answer of a matrix client carries. */
export const SAMPLED = "sampled by the matrix client";

/** What the checks need of a connected client, whatever its SDK and transport. */
export interface MatrixClient {
  listTools(): Promise<string[]>;
  /** Calls a tool; `onprogress` sees each progress value; `signal` cancels the call. */
  callTool(
    name: string,
    args: Record<string, unknown>,
    options?: { onprogress?: (progress: number) => void; signal?: AbortSignal; timeoutMs?: number },
  ): Promise<{ content?: unknown; isError?: boolean }>;
  listResources(): Promise<string[]>;
  /** The text of the first content of `resources/read`. */
  readResource(uri: string): Promise<string>;
  /** Opens `subscriptions/listen` on a 2026-07-28 connection; on a 2025 one the GET stream already listens. */
  listen(): Promise<void>;
  /** Methods of the list-changed (and other unhandled) notifications received. */
  notifications: string[];
  /** The server→client requests answered: `sampling` or `elicitation`. */
  answered: string[];
  close(): Promise<void>;
}

/** How a client reaches mcpwire: the reverse endpoint, or the forward command line for stdio clients. */
export interface Reach {
  /** The `mcpwire reverse` endpoint (`…/mcp`). */
  endpoint?: URL;
  /** The upstream target (`["--upstream", url]` or `["--", cmd, …]`) given to `mcpwire forward`. */
  target: string[];
  /** Where `mcpwire forward` records its tape. */
  tape: string;
}

/** One client of the matrix. */
export interface ClientDef {
  id: string;
  label: string;
  /** The era it speaks; `auto` negotiates (2026-07-28 when the other side offers it, else 2025). */
  era: Era | "auto";
  /** `reverse`: it talks HTTP to `mcpwire reverse`; `forward`: it spawns `mcpwire forward`. */
  via: "reverse" | "forward";
  connect(reach: Reach): Promise<MatrixClient>;
}

const INFO = { name: "era-matrix", version: "1" };
const CAPABILITIES = { sampling: {}, elicitation: {} };

function sampleAnswer(answered: string[]) {
  answered.push("sampling");
  return { model: "matrix", role: "assistant", content: { type: "text", text: SAMPLED } };
}

function elicitAnswer(answered: string[]) {
  answered.push("elicitation");
  return { action: "accept", content: { confirm: true, name: "matrix" } };
}

// deno-lint-ignore no-explicit-any
type AnyClient = any;

/** Wraps a connected 1.x SDK client. */
async function sdk1(transport: unknown): Promise<MatrixClient> {
  const client: AnyClient = new Client(INFO, { capabilities: CAPABILITIES });
  const notifications: string[] = [];
  const answered: string[] = [];
  const note = (n: { method: string }) => {
    notifications.push(n.method);
    return Promise.resolve();
  };
  client.fallbackNotificationHandler = note;
  client.setNotificationHandler(ToolListChangedNotificationSchema, note);
  client.setNotificationHandler(ResourceListChangedNotificationSchema, note);
  client.setRequestHandler(CreateMessageRequestSchema, () => sampleAnswer(answered));
  client.setRequestHandler(ElicitRequestSchema, () => elicitAnswer(answered));
  await client.connect(transport);
  return {
    notifications,
    answered,
    listTools: async () => (await client.listTools()).tools.map((t: { name: string }) => t.name),
    callTool: (name, args, options = {}) =>
      client.callTool({ name, arguments: args }, undefined, {
        onprogress: options.onprogress && ((p: { progress: number }) => options.onprogress!(p.progress)),
        signal: options.signal,
        timeout: options.timeoutMs,
      }),
    listResources: async () => (await client.listResources()).resources.map((r: { uri: string }) => r.uri),
    readResource: async (uri) => String((await client.readResource({ uri })).contents[0]?.text ?? ""),
    listen: () => Promise.resolve(),
    close: () => client.close(),
  };
}

/** Wraps a connected 2.x SDK client negotiating `mode`. */
async function sdk2(endpoint: URL, mode: "auto" | { pin: string }): Promise<MatrixClient> {
  const client: AnyClient = new ModernClient(INFO, { versionNegotiation: { mode }, capabilities: CAPABILITIES });
  const notifications: string[] = [];
  const answered: string[] = [];
  const subscriptions: { close(): Promise<void> }[] = [];
  const note = (n: { method: string }) => {
    notifications.push(n.method);
    return Promise.resolve();
  };
  client.fallbackNotificationHandler = note;
  client.setNotificationHandler("notifications/tools/list_changed", note);
  client.setNotificationHandler("notifications/resources/list_changed", note);
  client.setRequestHandler("sampling/createMessage", () => sampleAnswer(answered));
  client.setRequestHandler("elicitation/create", () => elicitAnswer(answered));
  await client.connect(new ModernHttpClientTransport(endpoint));
  return {
    notifications,
    answered,
    listTools: async () => (await client.listTools()).tools.map((t: { name: string }) => t.name),
    callTool: (name, args, options = {}) =>
      client.callTool({ name, arguments: args }, {
        onprogress: options.onprogress && ((p: { progress: number }) => options.onprogress!(p.progress)),
        signal: options.signal,
        timeout: options.timeoutMs,
      }),
    listResources: async () => (await client.listResources()).resources.map((r: { uri: string }) => r.uri),
    readResource: async (uri) => String((await client.readResource({ uri })).contents[0]?.text ?? ""),
    async listen() {
      if (client.getNegotiatedProtocolVersion?.() !== "2026-07-28") return;
      subscriptions.push(
        await client.listen({ toolsListChanged: true, resourcesListChanged: true }),
      );
    },
    async close() {
      for (const s of subscriptions) await s.close().catch(() => {});
      await client.close();
    },
  };
}

/**
 * Every client of the matrix, in table order.
 *
 * @example
 * ```ts
 * const client = await CLIENTS[0]!.connect({ endpoint: new URL("http://127.0.0.1:8080/mcp"), target: [], tape: "" });
 * console.log(await client.listTools());
 * await client.close();
 * ```
 */
export const CLIENTS: ClientDef[] = [
  {
    id: "sdk1-http",
    label: "1.x SDK, Streamable HTTP",
    era: "2025",
    via: "reverse",
    connect: (reach) => sdk1(new StreamableHTTPClientTransport(reach.endpoint!)),
  },
  {
    id: "sdk1-sse",
    label: "1.x SDK, legacy HTTP+SSE (/sse)",
    era: "2025",
    via: "reverse",
    connect: (reach) => sdk1(new SSEClientTransport(new URL("/sse", reach.endpoint!))),
  },
  {
    id: "sdk2-auto",
    label: "2.x SDK, negotiation auto",
    era: "auto",
    via: "reverse",
    connect: (r) => sdk2(r.endpoint!, "auto"),
  },
  {
    id: "sdk2-pinned",
    label: "2.x SDK, pinned 2026-07-28",
    era: "2026-07-28",
    via: "reverse",
    connect: (reach) => sdk2(reach.endpoint!, { pin: "2026-07-28" }),
  },
  {
    id: "sdk1-stdio",
    label: "1.x SDK stdio client → mcpwire forward",
    era: "2025",
    via: "forward",
    connect(reach) {
      const url = reach.target[0] === "--upstream" ? reach.target.slice(1) : reach.target;
      const { command, args } = mcpwireCommand(["forward", "--record", reach.tape, ...url]);
      return sdk1(new StdioClientTransport({ command, args, cwd: ROOT, stderr: "ignore" }));
    },
  },
];
