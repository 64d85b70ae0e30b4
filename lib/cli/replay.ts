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
import { replayAgainst, type ReplayAgainstOptions, type ReplayTimingOptions } from "../record/against.ts";
import { parseArgs, parseDuration, parseHostPort, UsageError } from "./args.ts";

/** Usage text of `mcpwire replay`. */
export const REPLAY_USAGE = `Usage:
  mcpwire replay FILE [--bind HOST:PORT] [--speed N]
  mcpwire replay FILE --against URL [--ignore PATH...] [--timing-tolerance MS[,PCT%] | --ignore-timing]

Serve a tape as a mock Streamable HTTP MCP server that answers requests with the recorded responses and
notifications (ids and progress tokens remapped) at the recorded pace, or replay the tape's client side
against a live server and print every difference between its answers and the recorded ones, in content
and in timing.

Options:
  --bind HOST:PORT   where the mock listens (default 127.0.0.1:8080; port 0 picks a free one)
  --path PATH        path of the mock's MCP endpoint (default /mcp)
  --speed N          pace of the mock as a multiple of the recorded pace: 1 as recorded (default),
                     2 twice as fast, 0.5 half speed, 0 as fast as possible
  --against URL      replay the client side against this Streamable HTTP endpoint
  --ignore PATH      a JSON path of responses left out of the comparison, e.g.
                     result.serverInfo.version (repeatable)
  --timing-tolerance MS[,PCT%]
                     a message of a request's stream may arrive this much earlier or later (after the
                     request) than recorded: the larger of MS and PCT% of its recorded offset
                     (default 50ms,20%; MS takes a unit too: 0.5s)
  --ignore-timing    compare contents only
  -h, --help         show this help

Exit codes: --against exits 0 when nothing differs and 1 on any content or timing difference (unless
--ignore-timing).
`;

const FLAGS = {
  bind: { type: "string" },
  path: { type: "string" },
  speed: { type: "string" },
  against: { type: "string" },
  ignore: { type: "string", multiple: true },
  "timing-tolerance": { type: "string" },
  "ignore-timing": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * Runs `mcpwire replay`.
 *
 * @returns 0 (mock stopped by a signal, or no differences), 1 (content or timing differences, unreadable
 * tape, port in use), 2 (usage error).
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
    if (flags.against !== undefined && flags.speed !== undefined) {
      throw new UsageError("--speed applies to the mock server (--bind) only");
    }
    if (flags.against === undefined && (flags["timing-tolerance"] !== undefined || flags["ignore-timing"])) {
      throw new UsageError("--timing-tolerance and --ignore-timing apply to --against only");
    }
    if (flags["timing-tolerance"] !== undefined && flags["ignore-timing"]) {
      throw new UsageError("Give either --timing-tolerance or --ignore-timing, not both");
    }
    const speed = flags.speed === undefined ? 1 : _speed(flags.speed as string);
    const timing = flags["ignore-timing"]
      ? false as const
      : _tolerance(flags["timing-tolerance"] as string | undefined);
    let tape: Tape;
    try {
      tape = parseTape(await rt.readTextFile(file));
    } catch (error) {
      err(`mcpwire replay: ${file}: ${error instanceof Error ? error.message : error}`);
      return 1;
    }
    if (flags.against !== undefined) {
      return await _against(tape, flags.against as string, {
        ignore: (flags.ignore as string[] | undefined) ?? [],
        timing,
      }, rt);
    }
    const { hostname, port } = parseHostPort((flags.bind as string | undefined) ?? "127.0.0.1:8080");
    const path = (flags.path as string | undefined) ?? "/mcp";
    if (!path.startsWith("/")) throw new UsageError(`--path must start with / (got ${path})`);
    const proxy = createReverseProxy({
      upstream: tapeUpstream(tape, {
        speed,
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
    err("mcpwire replay: shutting down");
    // Closing the sessions ends every paced wait (tapeUpstream), so no timer keeps the process alive.
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

async function _against(tape: Tape, url: string, options: ReplayAgainstOptions, rt: Runtime): Promise<number> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--against must be an http(s) URL (got ${url})`);
  }
  let report;
  try {
    report = await replayAgainst(tape, streamableHttpUpstream({ url: parsed }), options);
  } catch (error) {
    rt.writeStderr(`mcpwire replay: ${error instanceof Error ? error.message : error}\n`);
    return 1;
  }
  const lines = report.differences.map((d) =>
    `${d.session.slice(0, 8)}  ${d.request}  ${d.path}: recorded ${_short(d.recorded)}, got ${_short(d.actual)}`
  );
  for (const t of report.timing) {
    const off = t.actualMs - t.recordedMs;
    lines.push(
      `${
        t.session.slice(0, 8)
      }  ${t.request}  timing: ${t.message} at +${t.actualMs} ms, recorded +${t.recordedMs} ms ` +
        `(${Math.abs(off)} ms ${off < 0 ? "early" : "late"}; tolerance ${Math.round(t.toleranceMs)} ms)`,
    );
  }
  const count = report.differences.length + report.timing.length;
  lines.push(
    `${report.sessions} sessions, ${report.requests} requests replayed against ${parsed.href}: ` +
      (count === 0
        ? "no differences"
        : `${count} differences (${report.differences.length} content, ${report.timing.length} timing)`) +
      (options.timing === false ? " (timing not compared)" : ""),
  );
  await rt.writeStdout(lines.join("\n") + "\n");
  return count === 0 ? 0 : 1;
}

/** `--speed N`: a finite multiplier of at least 0, written as a plain decimal number. */
function _speed(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value.trim())) {
    throw new UsageError(`--speed must be a number of at least 0, e.g. 2, 0.5 or 0 (got ${value})`);
  }
  return Number(value);
}

/** `--timing-tolerance MS[,PCT%]`: a duration floor and an optional share of the recorded offset. */
function _tolerance(value: string | undefined): ReplayTimingOptions {
  if (value === undefined) return {};
  const match = /^([^,]+)(?:,(\d+(?:\.\d+)?)%)?$/.exec(value.trim());
  if (!match) {
    throw new UsageError(`--timing-tolerance must be MS or MS,PCT%, e.g. 100ms or 100ms,10% (got ${value})`);
  }
  const toleranceMs = parseDuration(match[1]!, "--timing-tolerance");
  return match[2] === undefined ? { toleranceMs } : { toleranceMs, toleranceRatio: Number(match[2]) / 100 };
}

function _short(value: unknown): string {
  const text = value === undefined ? "nothing" : JSON.stringify(value);
  return text.length > 120 ? text.slice(0, 117) + "..." : text;
}
