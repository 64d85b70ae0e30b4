/**
 * `mcpwire reverse`: serve a Streamable HTTP MCP endpoint in front of an upstream URL or a stdio command.
 *
 * @module
 */
import type { Runtime } from "../runtime/mod.ts";
import { createReverseProxy } from "../proxy/reverse.ts";
import { parseArgs, UsageError } from "./args.ts";
import { UPSTREAM_FLAGS, UPSTREAM_USAGE } from "./upstream.ts";
import { watchRulesFlag } from "./rules.ts";
import { LIMIT_FLAGS, LIMITS_USAGE } from "./limits.ts";
import { AUTH_FLAGS, AUTH_USAGE } from "./auth.ts";
import { withDeadline } from "../kit/deadline.ts";
import { connectStore, STORE_USAGE } from "./store.ts";
import { serveUi, UI_FLAGS, UI_USAGE, uiAuthorize } from "./ui.ts";
import { TRACE_FLAGS, TRACE_USAGE, tracingFromFlags } from "./trace.ts";
import type { TracingSetup } from "../otel/setup.ts";
import { proxyOptionsFromFlags } from "./reverse_options.ts";

/** Usage text of `mcpwire reverse`. */
export const REVERSE_USAGE = `Usage:
  mcpwire reverse [options] --upstream <url>
  mcpwire reverse [options] -- <command> [args...]

Serve a Streamable HTTP MCP endpoint that forwards to an upstream MCP server reached by URL, or started
as a stdio child process (one child per client session).

Options:
  --bind HOST:PORT         where to listen (default 127.0.0.1:8080; port 0 picks a free one)
  --upstream URL           upstream MCP endpoint, e.g. http://127.0.0.1:3001/mcp (Streamable HTTP, or
                           HTTP+SSE such as http://127.0.0.1:3001/sse)
  --path PATH              path of the MCP endpoint (default /mcp)
  --allow-origin ORIGIN    allow a browser Origin besides loopback ones; * allows all (repeatable)
  --allow-host HOST        allow a Host name besides loopback ones on a loopback bind; * allows all (repeatable)
  --session-timeout DUR    idle time before a session expires (default 30m; 0 never)
  --keep-alive DUR         idle time before an SSE keep-alive comment (default 15s; 0 never)
  --retry DUR              retry sent to 2025-11-25 clients with priming events (default 1s)
  --max-body BYTES         largest request body (default 4194304)
  --body-timeout DUR       longest time a client may take to send a request body; past it 408 and the
                           connection is closed (default 30s; 0 never)
  --no-get-stream          answer GET with 405 (no standalone stream)
  --modern-only            serve only MCP 2026-07-28: GET and DELETE get 405, initialize gets 400
                           naming the supported versions (default: both eras on one endpoint)
${STORE_USAGE}  --seal-key FILE           seal each session into its id with this AES-256 key (base64 of 32 bytes;
                           make one with: openssl rand -base64 32): replicas with the same key continue
                           each other's sessions without a store (HTTP upstreams only; docs/deploy.md)
  --seal-key-env NAME      the same, with the key in environment variable NAME
${LIMITS_USAGE}${AUTH_USAGE}  --rules FILE             apply a rules file (JSON or YAML, docs/rules.md); reloaded when it changes
  --record FILE            record every message and exchange to a tape (JSON lines, docs/tapes.md)
${UI_USAGE}${TRACE_USAGE}  --log-traffic            print every message and exchange to stderr
  -q, --quiet              print nothing but errors
  -h, --help               show this help

${UPSTREAM_USAGE}
Examples:
  mcpwire reverse --bind 127.0.0.1:8080 --upstream http://127.0.0.1:3001/mcp
  mcpwire reverse --bind 127.0.0.1:8080 -- npx -y @modelcontextprotocol/server-everything stdio
  mcpwire reverse --store redis://127.0.0.1:6379/0 --upstream http://127.0.0.1:3001/mcp
`;

/** The longest a shutdown (SIGTERM/SIGINT) waits for sessions, streams and the store to close, in ms. */
const SHUTDOWN_BOUND_MS = 10_000;

const FLAGS = {
  bind: { type: "string" },
  upstream: { type: "string" },
  ...UPSTREAM_FLAGS,
  path: { type: "string" },
  "allow-origin": { type: "string", multiple: true },
  "allow-host": { type: "string", multiple: true },
  "session-timeout": { type: "string" },
  "keep-alive": { type: "string" },
  retry: { type: "string" },
  "max-body": { type: "string" },
  "body-timeout": { type: "string" },
  "no-get-stream": { type: "boolean" },
  "modern-only": { type: "boolean" },
  store: { type: "string" },
  "seal-key": { type: "string" },
  "seal-key-env": { type: "string" },
  ...LIMIT_FLAGS,
  ...AUTH_FLAGS,
  "log-traffic": { type: "boolean" },
  rules: { type: "string" },
  record: { type: "string" },
  ...UI_FLAGS,
  ...TRACE_FLAGS,
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * Runs `mcpwire reverse` until SIGINT/SIGTERM.
 *
 * @returns The exit code: 0 after a clean shutdown, 2 for a usage error, 1 when the port cannot be bound.
 */
export async function reverseCommand(argv: string[], rt: Runtime): Promise<number> {
  const err = (line: string) => rt.writeStderr(line + "\n");
  let stopRules: (() => void) | undefined;
  let setup;
  try {
    const { flags, positionals, rest } = parseArgs(argv, FLAGS);
    if (flags.help) {
      await rt.writeStdout(REVERSE_USAGE);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`Unexpected argument ${positionals[0]} (put a command after --)`);
    const quiet = Boolean(flags.quiet);
    const log = quiet ? () => {} : err;
    const rules = flags.rules === undefined ? undefined : await watchRulesFlag(flags.rules as string, rt, log);
    stopRules = rules?.stop;
    setup = await proxyOptionsFromFlags(flags, rest, rt, log, quiet, rules?.requiredScopes);
    if (rules) setup.options.interceptors = [rules.interceptor];
    // The traffic view shows which rule rewrote, blocked or answered a message.
    if (rules && setup.ui) rules.onHit = setup.ui.buffer.onRuleHit;
  } catch (error) {
    stopRules?.();
    if (!(error instanceof UsageError)) throw error;
    err(`mcpwire reverse: ${error.message}`);
    err(REVERSE_USAGE);
    return 2;
  }
  const { options, hostname, port, log } = setup;
  let store;
  if (setup.storeUrl !== undefined) {
    try {
      store = await connectStore(setup.storeUrl, options.sessionIdleTimeoutMs ?? 30 * 60_000, log);
    } catch (error) {
      err(`mcpwire reverse: ${error instanceof Error ? error.message : error}`);
      stopRules?.();
      return 1;
    }
    options.sessionStore = store.sessionStore;
    options.eventStore = store.eventStore;
  }
  let traced: TracingSetup | undefined;
  try {
    traced = await tracingFromFlags(setup.flags, rt, log);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`mcpwire reverse: ${error.message}`);
    await store?.close();
    stopRules?.();
    return 2;
  }
  if (traced) options.tracing = traced.tracing;
  const proxy = createReverseProxy(options);
  let server;
  let uiServer;
  try {
    if (setup.ui) setup.ui.buffer.upstream = proxy.upstream.description;
    server = await rt.serve(setup.ui ? setup.ui.buffer.wrap(proxy.fetch) : proxy.fetch, {
      hostname,
      port,
      ...setup.serveLimits,
      onAcceptError: (e, retryInMs) =>
        err(
          `mcpwire reverse: accepting connections failed (${e instanceof Error ? e.message : e}); ${
            retryInMs >= 0 ? `listening again in ${retryInMs} ms` : "giving up listening"
          }`,
        ),
    });
  } catch (error) {
    err(`mcpwire reverse: cannot listen on ${hostname}:${port}: ${error instanceof Error ? error.message : error}`);
    await proxy.close();
    await store?.close();
    await traced?.shutdown();
    stopRules?.();
    return 1;
  }
  log(`mcpwire reverse listening on ${new URL(options.path ?? "/mcp", server.url).href}`);
  try {
    // The traffic view asks for the same credentials as the proxy (issue 17).
    const endpoint = new URL(options.path ?? "/mcp", server.url).href;
    const authorize = options.auth ? uiAuthorize(options.auth, endpoint) : undefined;
    uiServer = setup.ui ? await serveUi(setup.ui, rt, log, authorize) : undefined;
  } catch (error) {
    err(`mcpwire reverse: cannot serve --ui: ${error instanceof Error ? error.message : error}`);
    await Promise.all([proxy.close(), server.close(), store?.close(), traced?.shutdown()]);
    stopRules?.();
    return 1;
  }
  log(`forwarding to ${proxy.upstream.description}`);
  log(setup.limitsSummary);
  if (store) log(store.summary);
  await new Promise<void>((resolve) => rt.onShutdownSignal(() => resolve()));
  log("shutting down: closing sessions and streams");
  // Bounded (issue 14): an upstream or a store that does not answer must not keep a replica from exiting.
  const bounded = await withDeadline(
    (async () => {
      await proxy.close();
      await server.close();
      await uiServer?.close();
      await store?.close();
      // The spans of the last requests are exported before the process exits.
      await traced?.shutdown();
      return true;
    })(),
    SHUTDOWN_BOUND_MS,
    { onTimeout: () => false },
  );
  if (!bounded) err(`mcpwire reverse: shutdown took over ${SHUTDOWN_BOUND_MS / 1000} s; exiting anyway`);
  stopRules?.();
  return 0;
}
