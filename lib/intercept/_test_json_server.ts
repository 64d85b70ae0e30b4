/**
 * A JSON-response MCP server for tests: the official SDK's low-level `Server` over its Web-standard
 * Streamable HTTP transport with `enableJsonResponse`, served on loopback. It offers the tools the
 * interceptor tests use (echo, get-sum, get-env, get-tiny-image, plus one more), answering every
 * POST with `application/json`.
 *
 * @module
 */
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  McpLowLevelServer,
  WebStandardStreamableHTTPServerTransport,
} from "../_test_deps.ts";
import { serve, type Server } from "../runtime/serve.ts";

const TOOLS = ["echo", "get-sum", "get-env", "get-tiny-image", "noop"].map((name) => ({
  name,
  inputSchema: { type: "object" },
}));

/** Starts the server; `url` is its `/mcp` endpoint. */
/**
 * Bun.serve sends the head of a streaming response only with its first chunk, and the SDK's GET stream
 * writes nothing until the server has something to say: the client would wait for the head. An SSE
 * comment first (ignored by every SSE parser) gets the head out.
 */
function _flushHeaders(response: Response): Response {
  if (!response.body || !(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) return response;
  const opening = new TextEncoder().encode(": open\n\n");
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>({
    start: (controller) => controller.enqueue(opening),
  });
  void response.body.pipeTo(writable).catch(() => {});
  return new Response(readable, { status: response.status, headers: response.headers });
}

export async function startJsonServer(): Promise<{ url: URL; close(): Promise<void> }> {
  const transports = new Map<string, { handleRequest(r: Request): Promise<Response>; close(): Promise<void> }>();
  const server: Server = await serve(async (request) => {
    const sid = request.headers.get("mcp-session-id");
    const known = sid === null ? undefined : transports.get(sid);
    if (known) return _flushHeaders(await known.handleRequest(request));
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (id: string) => void transports.set(id, transport),
    });
    const mcp = new McpLowLevelServer({ name: "json-fixture", version: "1" }, { capabilities: { tools: {}, logging: {} } });
    mcp.setRequestHandler(ListToolsRequestSchema, () => Promise.resolve({ tools: TOOLS }));
    mcp.setRequestHandler(CallToolRequestSchema, (r: { params: { name: string; arguments?: Record<string, unknown> } }) => {
      const args = r.params.arguments ?? {};
      const text = r.params.name === "echo" ? `Echo: ${args.message}` : r.params.name === "get-sum"
        ? String(Number(args.a) + Number(args.b))
        : `ran ${r.params.name}`;
      return Promise.resolve({ content: [{ type: "text", text }] });
    });
    await mcp.connect(transport);
    return await transport.handleRequest(request);
  }, { hostname: "127.0.0.1", port: 0 });
  return {
    url: new URL("/mcp", server.url),
    async close() {
      for (const t of transports.values()) await t.close().catch(() => {});
      await server.close();
    },
  };
}
