/**
 * `mcpwire forward`: a local stdio MCP server that forwards to a remote MCP server (URL) or to another stdio
 * command, with mcpwire's resilience in between.
 *
 * @module
 */
import type { Runtime } from "../runtime/mod.ts";
import { type ForwardProxyOptions, startForwardProxy } from "../proxy/forward.ts";
import type { Envelope } from "../protocol/envelope.ts";
import { formatEnvelope, palette } from "./format.ts";
import { parseArgs, UsageError } from "./args.ts";
import { UPSTREAM_FLAGS, UPSTREAM_USAGE, upstreamOptionsFromFlags } from "./upstream.ts";
import { type WatchedRulesFlag, watchRulesFlag } from "./rules.ts";
import { recordingFlag } from "./tape.ts";
import { serveUi, UI_FLAGS, UI_USAGE, uiFromFlags, type UiSetup } from "./ui.ts";
import { TRACE_FLAGS, TRACE_USAGE, tracingFromFlags } from "./trace.ts";
import type { TracingSetup } from "../otel/setup.ts";

/** Usage text of `mcpwire forward`. */
export const FORWARD_USAGE = `Usage:
  mcpwire forward [options] <url>
  mcpwire forward [options] -- <command> [args...]

Be a stdio MCP server for a local client (newline-delimited JSON-RPC on stdin/stdout) and forward every
message to an upstream MCP server: a Streamable HTTP or HTTP+SSE URL, or a stdio command. Lost upstream
sessions are re-initialized, broken streams resumed, a dead child respawned. Only JSON-RPC is written to
stdout; logs go to stderr.

Options:
  --rules FILE             apply a rules file (JSON or YAML, docs/rules.md); reloaded when it changes
  --record FILE            record every message to a tape (JSON lines, docs/tapes.md)
${UI_USAGE}${TRACE_USAGE}  --log-traffic            print every message to stderr
  -q, --quiet              print nothing but errors
  -h, --help               show this help

${UPSTREAM_USAGE}
Examples:
  mcpwire forward http://127.0.0.1:3001/mcp
  mcpwire forward --upstream-header "Authorization: Bearer $TOKEN" https://mcp.example.com/mcp
  mcpwire forward -- npx -y @modelcontextprotocol/server-everything stdio
`;

const FLAGS = {
  ...UPSTREAM_FLAGS,
  rules: { type: "string" },
  record: { type: "string" },
  ...UI_FLAGS,
  ...TRACE_FLAGS,
  "log-traffic": { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * Runs `mcpwire forward` until the client closes stdin, a shutdown signal arrives, or the upstream is given up.
 *
 * @returns 0 after the client closed its end or a signal, 1 when the upstream was given up, 2 for a usage error.
 */
export async function forwardCommand(argv: string[], rt: Runtime): Promise<number> {
  const err = (line: string) => rt.writeStderr(line + "\n");
  let quiet = false;
  let rules: WatchedRulesFlag | undefined;
  let options: ForwardProxyOptions;
  let ui: UiSetup | undefined;
  let traced: TracingSetup | undefined;
  try {
    const { flags, positionals, rest } = parseArgs(argv, FLAGS);
    if (flags.help) {
      await rt.writeStdout(FORWARD_USAGE);
      return 0;
    }
    if (positionals.length > 1) throw new UsageError(`Unexpected argument ${positionals[1]}`);
    quiet = Boolean(flags.quiet);
    const traffic = Boolean(flags["log-traffic"]) && !quiet;
    const log = quiet ? () => {} : (line: string) => err(`mcpwire forward: ${line}`);
    const stack = upstreamOptionsFromFlags(flags, positionals[0], rest, rt, log);
    if (flags.rules !== undefined) rules = await watchRulesFlag(flags.rules as string, rt, log);
    const record = flags.record === undefined ? undefined : await recordingFlag(flags.record as string, rt, log);
    traced = await tracingFromFlags(flags, rt, log);
    const p = palette(rt.stderrIsTTY());
    const start = Date.now();
    ui = uiFromFlags(flags, "");
    const seen = ui?.buffer;
    // The traffic view shows which rule rewrote, blocked or answered a message.
    if (rules && seen) rules.onHit = seen.onRuleHit;
    const onMessage = traffic
      ? (e: Envelope) => {
        err(formatEnvelope(e, start, p));
        seen?.onMessage(e);
      }
      : seen?.onMessage;
    options = {
      ...stack,
      input: rt.stdin(),
      output: (text) => rt.writeStdout(text),
      onError: (e) => log(`error: ${e instanceof Error ? e.message : String(e)}`),
      onInterceptorError: (e) => log(`rule failed: ${e instanceof Error ? e.message : e}`),
      ...(rules ? { interceptors: [rules.interceptor] } : {}),
      ...(record
        ? { record, onRecordError: (e) => log(`recording failed: ${e instanceof Error ? e.message : e}`) }
        : {}),
      ...(onMessage ? { onMessage } : {}),
      ...(traced ? { tracing: traced.tracing } : {}),
    };
  } catch (error) {
    rules?.stop();
    await traced?.shutdown();
    if (!(error instanceof UsageError)) throw error;
    err(`mcpwire forward: ${error.message}`);
    err(FORWARD_USAGE);
    return 2;
  }
  const proxy = startForwardProxy(options);
  if (!quiet) err(`mcpwire forward: stdio ⇄ ${proxy.upstream.description}`);
  let uiServer;
  if (ui) {
    ui.buffer.upstream = proxy.upstream.description;
    try {
      uiServer = await serveUi(ui, rt, quiet ? () => {} : (line) => err(`mcpwire forward: ${line}`));
    } catch (error) {
      err(`mcpwire forward: cannot serve --ui: ${error instanceof Error ? error.message : error}`);
    }
  }
  rt.onShutdownSignal(() => void proxy.close());
  const why = await proxy.done;
  await uiServer?.close();
  // The spans of the last requests are exported before the process exits.
  await traced?.shutdown();
  rules?.stop();
  if (why === "upstream-ended") {
    err("mcpwire forward: the upstream is gone for good; stopping");
    return 1;
  }
  return 0;
}
