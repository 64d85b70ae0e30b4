/**
 * `mcpwire reverse`: serve a Streamable HTTP MCP endpoint in front of an upstream URL or a stdio command.
 *
 * @module
 */
import type { Runtime } from "../runtime/mod.ts";
import { createReverseProxy } from "../proxy/reverse.ts";
import { isLoopbackHost } from "../server/security.ts";
import { formatEnvelope, formatExchange, palette } from "./format.ts";
import { parseArgs, parseDuration, parseHostPort, UsageError } from "./args.ts";
import { UPSTREAM_FLAGS, UPSTREAM_USAGE, upstreamFromFlags } from "./upstream.ts";
import { rulesUpstream } from "./rules.ts";
import { startRecording } from "./tape.ts";
import { LIMIT_FLAGS, LIMITS_USAGE, limitsFromFlags } from "./limits.ts";

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
  --no-get-stream          answer GET with 405 (no standalone stream)
${LIMITS_USAGE}  --rules FILE             apply a rules file (JSON or YAML, docs/rules.md); reloaded when it changes
  --record FILE            record every message and exchange to a tape (JSON lines, docs/tapes.md)
  --log-traffic            print every message and exchange to stderr
  -q, --quiet              print nothing but errors
  -h, --help               show this help

${UPSTREAM_USAGE}
Examples:
  mcpwire reverse --bind 127.0.0.1:8080 --upstream http://127.0.0.1:3001/mcp
  mcpwire reverse --bind 127.0.0.1:8080 -- npx -y @modelcontextprotocol/server-everything stdio
`;

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
  "no-get-stream": { type: "boolean" },
  ...LIMIT_FLAGS,
  "log-traffic": { type: "boolean" },
  rules: { type: "string" },
  record: { type: "string" },
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
  let proxyStarted;
  let stopRules: (() => void) | undefined;
  let stopRecording: (() => Promise<void>) | undefined;
  try {
    const { flags, positionals, rest } = parseArgs(argv, FLAGS);
    if (flags.help) {
      await rt.writeStdout(REVERSE_USAGE);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`Unexpected argument ${positionals[0]} (put a command after --)`);
    const { hostname, port } = parseHostPort((flags.bind as string | undefined) ?? "127.0.0.1:8080");
    const quiet = Boolean(flags.quiet);
    const log = quiet ? () => {} : err;
    const inner = upstreamFromFlags(flags, flags.upstream as string | undefined, rest, rt, log);
    const rules = flags.rules === undefined ? undefined : await rulesUpstream(flags.rules as string, inner, rt, log);
    stopRules = rules?.stop;
    const upstream = rules?.upstream ?? inner;
    const recorder = flags.record === undefined
      ? undefined
      : await startRecording(flags.record as string, inner.description, rt, log);
    stopRecording = recorder?.close;
    const maxBody = flags["max-body"] === undefined ? undefined : Number(flags["max-body"]);
    if (maxBody !== undefined && (!Number.isInteger(maxBody) || maxBody <= 0)) {
      throw new UsageError(`--max-body must be a positive number of bytes (got ${flags["max-body"]})`);
    }
    const path = (flags.path as string | undefined) ?? "/mcp";
    if (!path.startsWith("/")) throw new UsageError(`--path must start with / (got ${path})`);
    const limits = limitsFromFlags(flags, rest.length > 0 ? "stdio" : "url", rt);
    const p = palette(rt.stderrIsTTY());
    const start = Date.now();
    const traffic = Boolean(flags["log-traffic"]) && !quiet;
    const proxy = createReverseProxy({
      upstream,
      path,
      allowedOrigins: (flags["allow-origin"] as string[] | undefined) ?? [],
      allowedHosts: (flags["allow-host"] as string[] | undefined) ?? [],
      loopbackOnly: isLoopbackHost(hostname.includes(":") ? `[${hostname}]` : hostname),
      ...(flags["session-timeout"] !== undefined
        ? { sessionIdleTimeoutMs: parseDuration(flags["session-timeout"] as string, "--session-timeout") }
        : {}),
      ...(flags["keep-alive"] !== undefined
        ? { keepAliveMs: parseDuration(flags["keep-alive"] as string, "--keep-alive") }
        : {}),
      ...(flags.retry !== undefined ? { retryMs: parseDuration(flags.retry as string, "--retry") } : {}),
      ...(maxBody !== undefined ? { maxBodyBytes: maxBody } : {}),
      getStream: !flags["no-get-stream"],
      limits: limits.limits,
      onError: (e) => log(`error: ${e instanceof Error ? e.message : String(e)}`),
      ...(traffic ? { onExchange: (x) => err(formatExchange(x, start, p)) } : {}),
      ...(traffic || recorder
        ? {
          onMessage: (e) => {
            recorder?.onMessage(e);
            if (traffic) err(formatEnvelope(e, start, p));
          },
        }
        : {}),
    });
    proxyStarted = proxy;
    let server;
    try {
      server = await rt.serve(recorder ? recorder.wrap(proxy.fetch) : proxy.fetch, {
        hostname,
        port,
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
      stopRules?.();
      await stopRecording?.();
      return 1;
    }
    log(`mcpwire reverse listening on ${new URL(path, server.url).href}`);
    log(`forwarding to ${upstream.description}`);
    log(limits.summary);
    await new Promise<void>((resolve) => rt.onShutdownSignal(() => resolve()));
    log("shutting down: closing sessions and streams");
    await proxy.close();
    await server.close();
    stopRules?.();
    await stopRecording?.();
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`mcpwire reverse: ${error.message}`);
      err(REVERSE_USAGE);
      await proxyStarted?.close();
      stopRules?.();
      await stopRecording?.();
      return 2;
    }
    throw error;
  }
}
