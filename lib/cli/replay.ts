/**
 * `mcpwire replay FILE`: serve a tape as a mock Streamable HTTP MCP server (`--bind`), or replay its
 * client side against a live server and report the differences (`--against`).
 *
 * @module
 */
import type { Runtime } from "../runtime/mod.ts";
import { streamableHttpUpstream } from "../upstream/streamable_http.ts";
import { createReverseProxy } from "../proxy/reverse.ts";
import { isLoopbackHost } from "../downstream/security.ts";
import { parseTape, type Tape } from "../record/tape.ts";
import { tapeUpstream } from "../record/replay_upstream.ts";
import { replayAgainst } from "../record/against.ts";
import { parseArgs, parseHostPort, UsageError } from "./args.ts";

/** Usage text of `mcpwire replay`. */
export const REPLAY_USAGE = `Usage:
  mcpwire replay FILE [--bind HOST:PORT] [--realtime]
  mcpwire replay FILE --against URL [--ignore PATH...]

Serve a tape as a mock Streamable HTTP MCP server that answers requests with the recorded responses and
notifications (ids and progress tokens remapped), or replay the tape's client side against a live
server and print every difference between its responses and the recorded ones.

Options:
  --bind HOST:PORT   where the mock listens (default 127.0.0.1:8080; port 0 picks a free one)
  --path PATH        path of the mock's MCP endpoint (default /mcp)
  --realtime         reproduce the recorded delays between a request and its answers
  --against URL      replay the client side against this Streamable HTTP endpoint
  --ignore PATH      a JSON path of responses left out of the comparison, e.g.
                     result.serverInfo.version (repeatable)
  -h, --help         show this help

Exit codes: --against exits 0 when nothing differs and 1 otherwise.
`;

const FLAGS = {
  bind: { type: "string" },
  path: { type: "string" },
  realtime: { type: "boolean" },
  against: { type: "string" },
  ignore: { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * Runs `mcpwire replay`.
 *
 * @returns 0 (mock stopped by a signal, or no differences), 1 (differences, unreadable tape, port in
 * use), 2 (usage error).
 */
export async function replayCommand(argv: string[], rt: Runtime): Promise<number> {
  const err = (line: string) => rt.writeStderr(line + "\n");
  try {
    const { flags, positionals } = parseArgs(argv, FLAGS);
    if (flags.help) {
      await rt.writeStdout(REPLAY_USAGE);
      return 0;
    }
    const [file, extra] = positionals;
    if (file === undefined || extra !== undefined) throw new UsageError("Give exactly one tape file");
    if (flags.against !== undefined && flags.bind !== undefined) {
      throw new UsageError("Give either --bind or --against, not both");
    }
    let tape: Tape;
    try {
      tape = parseTape(await rt.readTextFile(file));
    } catch (error) {
      err(`mcpwire replay: ${file}: ${error instanceof Error ? error.message : error}`);
      return 1;
    }
    if (flags.against !== undefined) {
      return await _against(tape, flags.against as string, (flags.ignore as string[] | undefined) ?? [], rt);
    }
    const { hostname, port } = parseHostPort((flags.bind as string | undefined) ?? "127.0.0.1:8080");
    const path = (flags.path as string | undefined) ?? "/mcp";
    if (!path.startsWith("/")) throw new UsageError(`--path must start with / (got ${path})`);
    const proxy = createReverseProxy({
      upstream: tapeUpstream(tape, {
        realtime: Boolean(flags.realtime),
        onMiss: (r) => err(`no recorded answer for ${r.method} #${r.id}`),
      }),
      path,
      loopbackOnly: isLoopbackHost(hostname.includes(":") ? `[${hostname}]` : hostname),
    });
    let server;
    try {
      server = await rt.serve(proxy.fetch, { hostname, port });
    } catch (error) {
      err(`mcpwire replay: cannot listen on ${hostname}:${port}: ${error instanceof Error ? error.message : error}`);
      await proxy.close();
      return 1;
    }
    err(`mcpwire replay: serving ${file} as a mock MCP server on ${new URL(path, server.url).href}`);
    await new Promise<void>((resolve) => rt.onShutdownSignal(() => resolve()));
    await proxy.close();
    await server.close();
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`mcpwire replay: ${error.message}`);
      err(REPLAY_USAGE);
      return 2;
    }
    throw error;
  }
}

async function _against(tape: Tape, url: string, ignore: string[], rt: Runtime): Promise<number> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--against must be an http(s) URL (got ${url})`);
  }
  let report;
  try {
    report = await replayAgainst(tape, streamableHttpUpstream({ url: parsed }), { ignore });
  } catch (error) {
    rt.writeStderr(`mcpwire replay: ${error instanceof Error ? error.message : error}\n`);
    return 1;
  }
  const lines = report.differences.map((d) =>
    `${d.session.slice(0, 8)}  ${d.request}  ${d.path}: recorded ${_short(d.recorded)}, got ${_short(d.actual)}`
  );
  lines.push(
    `${report.sessions} sessions, ${report.requests} requests replayed against ${parsed.href}: ` +
      (report.differences.length === 0 ? "no differences" : `${report.differences.length} differences`),
  );
  await rt.writeStdout(lines.join("\n") + "\n");
  return report.differences.length === 0 ? 0 : 1;
}

function _short(value: unknown): string {
  const text = value === undefined ? "nothing" : JSON.stringify(value);
  return text.length > 120 ? text.slice(0, 117) + "..." : text;
}
