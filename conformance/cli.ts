/**
 * `mcpwire conformance <url> [options]`: parses arguments, runs the suite, prints progress to stderr and the
 * report to stdout (or a file), and returns the exit code. No runtime APIs: the caller passes `io`.
 *
 * @module
 */
import { runConformance } from "./runner.ts";
import { formatPretty, formatProgress, formatVerdict } from "./report/pretty.ts";
import { formatJson } from "./report/json.ts";
import { formatJunit } from "./report/junit.ts";
import { formatHtml } from "./report/html.ts";
import { type ConformanceOptions, type FetchLike, SUITE_REVISIONS } from "./types.ts";
import { _parseArgs, type Parsed, UsageError } from "./cli_args.ts";

export { _parseArgs } from "./cli_args.ts";

/** What the command needs from its environment. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  writeFile(path: string, text: string): Promise<void>;
  isTTY: boolean;
  /** Optional fetch override (tests). @default globalThis.fetch */
  fetch?: FetchLike;
}

/** The `--help` text. */
export const CONFORMANCE_HELP = `Usage: mcpwire conformance <url> [options]

Checks an MCP server's HTTP transport against the rules of 2024-11-05 (HTTP+SSE),
2025-03-26, 2025-06-18, 2025-11-25 (legacy era: initialize) and 2026-07-28 (modern
era: stateless). By default it finds which revisions the server supports (a modern
server/discover first, then initialize with each) and runs the checks for each.

Options:
  --spec-version V      Check only revision V (repeatable, or comma-separated):
                        ${SUITE_REVISIONS.join(", ")}
  --legacy-sse URL      Also check a legacy 2024-11-05 SSE endpoint at URL
  --format F            pretty (default), json or junit
  --output FILE         Write the report in --format to FILE (the pretty report
                        still goes to stdout)
  --report FILE         Also write a self-contained HTML report to FILE (summary by
                        revision and area; each check with its exchanges)
  --strict              Fail rows where the spec is silent or debated
                        (e.g. batches accepted after 2025-06-18)
  --header "Name: v"    Send this header on every request (repeatable), e.g.
                        --header "Authorization: Bearer TOKEN"
  --low-scope-token T   A bearer token the server accepts that lacks a scope some
                        request needs: T-SEC-06 then checks its 403
                        insufficient_scope answer
  --only ID             Run only checks whose ID is or starts with ID
                        (repeatable, or comma-separated), e.g. --only T-SESS
  --stream-tool NAME    Tool that streams progress (streaming/resumption checks)
  --stream-args JSON    Arguments for --stream-tool (default {})
  --notify-tool NAME    Tool that makes the server send a list_changed notification
  --notify-args JSON    Arguments for --notify-tool (default {})
  --timeout MS          Upper bound for every network wait (default 5000)
  --concurrency N       Checks run at once against the server (default 4;
                        1 runs them one after another); same verdicts either way
  -h, --help            Show this help

Results: ✔ pass, ✘ fail (a MUST is broken), ! warn (a SHOULD is not met, or a
tolerated deviation), – skip (with the reason), i info (recorded, no verdict).
Exit code: 1 when any check fails, 2 for a usage error, 0 otherwise.
`;

/** What `mcpwire conformance` writes to and reads from (no runtime APIs here: the caller passes it). */
export interface ConformanceIo {
  stdout(text: string): void;
  stderr(text: string): void;
  writeFile(path: string, text: string): Promise<void>;
  /** stdout is a terminal (colour). */
  isTTY: boolean;
  /** stderr is a terminal: the progress line redraws in place. @default isTTY */
  stderrIsTTY?: boolean;
  fetch?: FetchLike;
}

/**
 * Runs `mcpwire conformance`. `argv` holds the arguments after the subcommand name.
 *
 * @returns 0 when nothing failed, 1 when a check failed, 2 for a usage error
 * @example
 * ```ts
 * const code = await conformanceCommand(["http://localhost:3001/mcp", "--format", "json"], io);
 * ```
 */
export async function conformanceCommand(
  argv: string[],
  io: ConformanceIo,
): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = _parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`mcpwire conformance: ${error.message}\nRun "mcpwire conformance --help" for usage.\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout(CONFORMANCE_HELP);
    return 0;
  }
  if (parsed.url === undefined) {
    io.stderr(`mcpwire conformance: a server URL is required\n\n${CONFORMANCE_HELP}`);
    return 2;
  }
  try {
    new URL(parsed.url);
  } catch {
    io.stderr(`mcpwire conformance: ${parsed.url} is not a valid URL\n`);
    return 2;
  }
  const live = io.stderrIsTTY ?? io.isTTY;
  const progress = { color: live, live };
  const options: ConformanceOptions = {
    ...parsed.options,
    onProgress(event) {
      const line = formatProgress(event, progress);
      if (line) io.stderr(line);
    },
  };
  const target = io.fetch ? { url: parsed.url, fetch: io.fetch } : parsed.url;
  const report = await runConformance(target, options);
  if (live) io.stderr("\r\x1b[2K");
  if (parsed.report !== undefined) {
    if (!(await writeReport(io, parsed.report, formatHtml(report)))) return 2;
    io.stderr(`HTML report written to ${parsed.report}\n`);
  }
  const formatted = parsed.format === "json"
    ? formatJson(report)
    : parsed.format === "junit"
    ? formatJunit(report)
    : formatPretty(report, { color: parsed.output === undefined && io.isTTY });
  if (parsed.output !== undefined) {
    if (!(await writeReport(io, parsed.output, formatted))) return 2;
    io.stdout(parsed.format === "pretty" ? `${formatVerdict(report)}\n` : formatPretty(report, { color: io.isTTY }));
    io.stderr(`report written to ${parsed.output}\n`);
  } else {
    io.stdout(formatted);
  }
  return report.exitCode;
}

/** Writes one report file; says so on stderr. @returns false (after saying why) when it could not. */
async function writeReport(io: ConformanceIo, path: string, text: string): Promise<boolean> {
  try {
    await io.writeFile(path, text);
  } catch (error) {
    io.stderr(
      `mcpwire conformance: could not write ${path}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return false;
  }
  return true;
}
