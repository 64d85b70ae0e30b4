/**
 * Third-party imports used only by tests: the official MCP SDK (client and server) and msw.
 *
 * @module
 */
// @ts-types="npm:@modelcontextprotocol/sdk@^1.32.2/client/index"
export { Client } from "npm:@modelcontextprotocol/sdk@^1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@^1.32.2/client/streamableHttp"
export { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/sdk@^1.32.2/client/streamableHttp.js";
// @ts-types="npm:@modelcontextprotocol/sdk@^1.32.2/client/sse"
export { SSEClientTransport } from "npm:@modelcontextprotocol/sdk@^1.32.2/client/sse.js";
// @ts-types="npm:@modelcontextprotocol/sdk@^1.32.2/client/stdio"
export { StdioClientTransport } from "npm:@modelcontextprotocol/sdk@^1.32.2/client/stdio.js";
// @ts-types="npm:@modelcontextprotocol/sdk@^1.32.2/types"
export {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from "npm:@modelcontextprotocol/sdk@^1.32.2/types.js";
export { http, HttpResponse } from "npm:msw@^2.15.0";
export { setupServer } from "npm:msw@^2.15.0/node";
// @ts-types="npm:@modelcontextprotocol/sdk@^1.32.2/server/index"
export { Server as McpLowLevelServer } from "npm:@modelcontextprotocol/sdk@^1.32.2/server/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@^1.32.2/server/webStandardStreamableHttp"
export { WebStandardStreamableHTTPServerTransport } from "npm:@modelcontextprotocol/sdk@^1.32.2/server/webStandardStreamableHttp.js";
// @ts-types="npm:@modelcontextprotocol/sdk@^1.32.2/types"
export { CallToolRequestSchema, ListToolsRequestSchema } from "npm:@modelcontextprotocol/sdk@^1.32.2/types.js";
// The 2.x SDK client: 2026-07-28 (server/discover, per-request _meta) with a 2025 fallback.
export {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernHttpClientTransport,
} from "npm:@modelcontextprotocol/client@2.4.0";
export { StdioClientTransport as ModernStdioClientTransport } from "npm:@modelcontextprotocol/client@2.4.0/stdio";
// Drives the Debian `chromium` (/usr/bin/chromium) for the browser tests; it never downloads a browser.
export { default as puppeteer } from "npm:puppeteer-core@24.43.1";
export type { Browser, Page } from "npm:puppeteer-core@24.43.1";
export { exportJWK, generateKeyPair, SignJWT } from "npm:jose@6.2.18";
// @ts-types="npm:fast-check@4.10.2"
export { default as fc } from "npm:fast-check@4.10.2";
export { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "npm:@opentelemetry/sdk-trace@3.1.0";
export { W3CTraceContextPropagator } from "npm:@opentelemetry/core@3.1.0";
