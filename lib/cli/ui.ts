/**
 * `--ui [HOST:PORT]` and `--ui-buffer N` of `mcpwire reverse` and `mcpwire forward`: the live traffic page
 * (lib/ui/) on a listener of its own, loopback by default.
 *
 * @module
 */
import type { Runtime, Server } from "../runtime/mod.ts";
import { isLoopbackHost } from "../downstream/security.ts";
import { audit, requestFields } from "../security/audit.ts";
import { type AuthConfig, authenticate } from "../security/auth.ts";
import { createUiHandler, DEFAULT_UI_CAPACITY, TrafficBuffer, type UiAuthorize } from "../ui/mod.ts";
import { type ParsedArgs, parseHostPort, UsageError } from "./args.ts";

/** Where `--ui` listens when no address is given: loopback, a free port (printed at start). */
export const DEFAULT_UI_BIND = "127.0.0.1:0";

/** The flags (`--ui` takes an optional `HOST:PORT`). */
export const UI_FLAGS = {
  ui: { type: "string", optionalValue: /^(\[[^\]]+\]|[^\s:/]+):\d{1,5}$/ },
  "ui-buffer": { type: "string" },
} as const;

/** Their lines of the usage text. */
export const UI_USAGE = `  --ui [HOST:PORT]         serve a live web view of the traffic on its own listener (default
                           ${DEFAULT_UI_BIND}: loopback, a free port, printed at start)
  --ui-buffer N            messages the web view keeps in memory; the oldest go first (default ${DEFAULT_UI_CAPACITY})
`;

/** What `--ui` asked for: the buffer to feed and where to serve it. */
export interface UiSetup {
  /** Feed it: `onMessage` from the endpoint, `wrap` around the proxy's handler. */
  buffer: TrafficBuffer;
  hostname: string;
  port: number;
}

/**
 * Reads `--ui` and `--ui-buffer`.
 *
 * @returns The setup, or `undefined` when `--ui` is absent.
 * @throws {UsageError} For a bad address or a buffer size that is not a positive integer.
 */
export function uiFromFlags(flags: ParsedArgs["flags"], upstream: string): UiSetup | undefined {
  if (flags.ui === undefined) {
    if (flags["ui-buffer"] !== undefined) throw new UsageError("--ui-buffer needs --ui");
    return undefined;
  }
  const { hostname, port } = parseHostPort((flags.ui as string) || DEFAULT_UI_BIND, "--ui");
  const capacity = flags["ui-buffer"] === undefined ? DEFAULT_UI_CAPACITY : Number(flags["ui-buffer"]);
  if (!Number.isInteger(capacity) || capacity <= 0) {
    throw new UsageError(`--ui-buffer must be a positive number of messages (got ${flags["ui-buffer"]})`);
  }
  return { buffer: new TrafficBuffer({ upstream, capacity }), hostname, port };
}

/**
 * Serves the UI and prints its address.
 *
 * @param setup From {@linkcode uiFromFlags}.
 * @param authorize The proxy's authentication check, when it has one: the UI applies the same.
 * @returns The listener (close it at shutdown).
 * @throws When the address cannot be bound (the caller reports it).
 */
export async function serveUi(
  setup: UiSetup,
  rt: Runtime,
  log: (line: string) => void,
  authorize?: UiAuthorize,
): Promise<Server> {
  const loopbackOnly = isLoopbackHost(setup.hostname.includes(":") ? `[${setup.hostname}]` : setup.hostname);
  const handler = createUiHandler({
    buffer: setup.buffer,
    loopbackOnly,
    ...(authorize ? { authorize } : {}),
  });
  const server = await rt.serve(handler, { hostname: setup.hostname, port: setup.port });
  log(`traffic view on ${server.url}`);
  if (!loopbackOnly && !authorize) log("warning: the traffic view listens beyond loopback with no authentication");
  return server;
}

/**
 * The UI's share of the proxy's authentication (issue 17: "the same auth as the proxy"): every UI route
 * needs the credentials the MCP endpoint accepts (an API key as `Authorization: Bearer` or `X-API-Key`, or
 * a bearer token for the proxy's audience); without them, 401 with a Bearer challenge, and an audit line.
 *
 * @param auth The proxy's authentication settings.
 * @param audience The audience tokens must carry: the proxy's, not the UI listener's URL.
 * @example
 * ```ts ignore
 * const ui = await serveUi(setup.ui, rt, log, uiAuthorize(auth, "http://127.0.0.1:8080/mcp"));
 * ```
 */
export function uiAuthorize(auth: AuthConfig, audience: string): UiAuthorize {
  return async (request) => {
    const outcome = await authenticate(request, auth, auth.audience ?? audience);
    if (outcome.ok) return undefined;
    audit({
      decision: "auth_failed",
      reason: `traffic view: ${outcome.reason}`,
      caller: "anonymous",
      status: 401,
      ...requestFields(request),
    });
    return new Response("Unauthorized: the traffic view needs the proxy's credentials\n", {
      status: 401,
      headers: {
        "www-authenticate": 'Bearer realm="mcpwire traffic view"',
        "content-type": "text/plain; charset=utf-8",
      },
    });
  };
}
