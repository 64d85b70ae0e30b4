/**
 * A real 1.x SDK server (the low-level `Server` on its Web-standard Streamable HTTP transport, one
 * transport per session, SSE answers) for the era-bridge tests: a 2025-era upstream that asks the client
 * for sampling whatever it declared, and a slow tool that notices cancellation.
 *
 * Tools: `echo` ({ message }), `ask-sampling` ({ prompt }: sends `sampling/createMessage` and answers with
 * the sampled text, or the error), `slow` ({ steps, stepMs }: progress per step; counts cancellations),
 * `big` ({ bytes }: a text result of that many characters, for the upstream SSE event limit).
 *
 * @module
 */
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  McpLowLevelServer,
  WebStandardStreamableHTTPServerTransport,
} from "./deps.ts";
import { serve, type Server } from "../lib/runtime/serve.ts";

const TOOLS = [
  { name: "echo", inputSchema: { type: "object", properties: { message: { type: "string" } } } },
  { name: "ask-sampling", inputSchema: { type: "object", properties: { prompt: { type: "string" } } } },
  { name: "big", inputSchema: { type: "object", properties: { bytes: { type: "number" } } } },
  {
    name: "slow",
    inputSchema: { type: "object", properties: { steps: { type: "number" }, stepMs: { type: "number" } } },
  },
];

/** A running 1.x server: its `/mcp` endpoint, what it saw, and how to stop it. */
export interface Sdk1Server {
  url: URL;
  /** `slow` calls whose request was cancelled (`notifications/cancelled` reached the handler). */
  cancelled: number;
  /** `initialize` requests seen, by clientInfo name. */
  initialized: string[];
  /** Forgets every session (the next request naming one gets 404, as after a restart). */
  forget(): Promise<void>;
  close(): Promise<void>;
}

type Transport = InstanceType<typeof WebStandardStreamableHTTPServerTransport>;
type Extra = {
  requestId: string | number;
  signal: AbortSignal;
  sendNotification(n: unknown): Promise<void>;
  _meta?: { progressToken?: unknown };
};

function build(state: Sdk1Server) {
  const mcp = new McpLowLevelServer({ name: "sdk1-bridge-fixture", version: "1" }, { capabilities: { tools: {} } });
  mcp.setRequestHandler(ListToolsRequestSchema, () => Promise.resolve({ tools: TOOLS }));
  mcp.setRequestHandler(
    CallToolRequestSchema,
    async (r: { params: { name: string; arguments?: Record<string, unknown> } }, extra: Extra) => {
      const args = r.params.arguments ?? {};
      if (r.params.name === "ask-sampling") {
        try {
          const sampled = await mcp.createMessage({
            messages: [{ role: "user", content: { type: "text", text: String(args.prompt) } }],
            maxTokens: 10,
          }, { relatedRequestId: extra.requestId });
          return { content: [{ type: "text", text: `sampled: ${(sampled.content as { text?: string }).text}` }] };
        } catch (error) {
          return { isError: true, content: [{ type: "text", text: `sampling failed: ${(error as Error).message}` }] };
        }
      }
      if (r.params.name === "slow") {
        const steps = Number(args.steps ?? 3);
        for (let i = 1; i <= steps; i++) {
          await new Promise((resolve) => setTimeout(resolve, Number(args.stepMs ?? 100)));
          if (extra.signal.aborted) {
            state.cancelled++;
            throw new Error("cancelled");
          }
          const token = extra._meta?.progressToken;
          if (token !== undefined) {
            await extra.sendNotification({
              method: "notifications/progress",
              params: { progressToken: token, progress: i, total: steps },
            });
          }
        }
        return { content: [{ type: "text", text: `done after ${steps} steps` }] };
      }
      if (r.params.name === "big") return { content: [{ type: "text", text: "x".repeat(Number(args.bytes ?? 0)) }] };
      return { content: [{ type: "text", text: `Echo: ${args.message}` }] };
    },
  );
  return mcp;
}

/** Starts the server on a free loopback port. */
export async function startSdk1Server(): Promise<Sdk1Server> {
  const transports = new Map<string, Transport>();
  const state = { cancelled: 0, initialized: [] as string[] } as unknown as Sdk1Server;
  const server: Server = await serve(async (request) => {
    const sid = request.headers.get("mcp-session-id");
    const known = sid === null ? undefined : transports.get(sid);
    if (known) return await known.handleRequest(request);
    if (sid !== null) return new Response("unknown session", { status: 404 });
    const body = await request.clone().json().catch(() => null);
    if (body?.method === "initialize") state.initialized.push(String(body.params?.clientInfo?.name));
    const transport: Transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (id: string) => void transports.set(id, transport),
    });
    await build(state).connect(transport);
    return await transport.handleRequest(request);
  }, { hostname: "127.0.0.1", port: 0 });
  state.url = new URL("/mcp", server.url);
  state.forget = async () => {
    const all = [...transports.values()];
    transports.clear();
    for (const t of all) await t.close().catch(() => {});
  };
  state.close = async () => {
    for (const t of transports.values()) await t.close().catch(() => {});
    await server.close();
  };
  return state;
}
