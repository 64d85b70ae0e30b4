/**
 * The HTTP application of the reverse proxy: routes the MCP endpoint (and the operator routes the proxy adds), applies the
 * DNS-rebinding checks and CORS, and turns every failure into a JSON-RPC error response.
 *
 * @module
 */
import { cors, Hono } from "../deps.ts";
import { HttpError, toErrorResponse } from "./errors.ts";
import { createSecurityCheck, type SecurityOptions } from "./security.ts";
import type { StreamableHttpEndpoint } from "./streamable_http.ts";
import { type AuthGateOptions, installAuthGate } from "./auth_gate.ts";
import { audit, requestFields } from "../security/audit.ts";

/** Options of {@linkcode createApp}. */
export interface AppOptions extends SecurityOptions {
  /** The Streamable HTTP endpoint. */
  endpoint: StreamableHttpEndpoint;
  /** Path of the MCP endpoint. @default "/mcp" */
  path?: string;
  /** Extra routes (legacy SSE, metrics, health), mounted before the MCP endpoint. */
  extraRoutes?: (app: Hono) => void;
  /** Authenticate callers (docs/auth.md, T-SEC-06); every route but `/healthz` and the metadata needs credentials. */
  auth?: Omit<AuthGateOptions, "path">;
}

/**
 * CORS for browser clients (docs/field-notes.md item 13): every MCP request header is allowed, and `Mcp-Session-Id`,
 * `MCP-Protocol-Version` and `WWW-Authenticate` are exposed.
 */
export const CORS_ALLOW_HEADERS = [
  "content-type",
  "accept",
  "authorization",
  "mcp-session-id",
  "mcp-protocol-version",
  "last-event-id",
  "mcp-method",
  "mcp-name",
];
/** Response headers exposed to browser scripts. */
export const CORS_EXPOSE_HEADERS = ["mcp-session-id", "mcp-protocol-version", "www-authenticate"];

/**
 * Builds the web application: a Web-standard `(Request) => Promise<Response>`.
 *
 * @example
 * ```ts ignore
 * const app = createApp({ endpoint });
 * const server = await serve(app.fetch);
 * ```
 */
export function createApp(options: AppOptions): Hono {
  const path = options.path ?? "/mcp";
  const check = createSecurityCheck(options);
  const allowAll = (options.allowedOrigins ?? []).includes("*");
  const app = new Hono();
  app.onError((error) => toErrorResponse(error));
  app.notFound(() => new HttpError("not_found", "Not Found").toResponse());
  // DNS-rebinding defence runs first, for every route (T-SEC-01, T-SEC-04, T-LEG-04).
  app.use("*", async (c, next) => {
    try {
      check(c.req.raw);
    } catch (error) {
      const decision = (error as HttpError).code === "forbidden_host" ? "host_rejected" : "origin_rejected";
      audit({ decision, reason: (error as Error).message, status: 403, ...requestFields(c.req.raw) });
      throw error;
    }
    await next();
  });
  const corsHeaders = cors({
    origin: (origin) => (allowAll ? "*" : origin),
    allowMethods: ["GET", "POST", "DELETE", "OPTIONS"],
    allowHeaders: CORS_ALLOW_HEADERS,
    exposeHeaders: CORS_EXPOSE_HEADERS,
    maxAge: 600,
  });
  // CORS headers matter to browsers only, and browsers send Origin on every cross-origin request and on
  // every POST; without Origin the middleware (a placeholder Response, header writes, and a copy of the
  // response to append Vary) is skipped. Found by bench/ (the most expensive JS step per call on Deno).
  app.use("*", (c, next) => (c.req.raw.headers.has("origin") ? corsHeaders(c, next) : next()));
  if (options.auth) installAuthGate(app, { ...options.auth, path });
  options.extraRoutes?.(app);
  app.all(path, (c) => options.endpoint.handle(c.req.raw));
  return app;
}
