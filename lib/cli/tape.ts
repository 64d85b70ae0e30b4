/**
 * `mcpwire tape show FILE`: print a tape as a readable timeline. Also the helper the proxies call for
 * `--record FILE`.
 *
 * @module
 */
import type { Runtime } from "../runtime/mod.ts";
import { parseTape } from "../record/tape.ts";
import { formatTimeline } from "../record/show.ts";
import { parseArgs, UsageError } from "./args.ts";

/** Usage text of `mcpwire tape`. */
export const TAPE_USAGE = `Usage: mcpwire tape show FILE

Print a tape (recorded with "mcpwire reverse --record FILE") as a timeline: time since the start,
session, direction (→ to the server, ← to the client), stream, and each message or HTTP exchange.
The format is documented in docs/tapes.md.

Options:
  -h, --help   show this help
`;

/**
 * Runs `mcpwire tape`.
 *
 * @returns 0 after printing, 1 when the file cannot be read or is not a tape, 2 for a usage error.
 */
export async function tapeCommand(argv: string[], rt: Runtime): Promise<number> {
  try {
    const { flags, positionals } = parseArgs(argv, { help: { type: "boolean", short: "h" } });
    if (flags.help) {
      await rt.writeStdout(TAPE_USAGE);
      return 0;
    }
    const [sub, file, extra] = positionals;
    if (sub !== "show") {
      throw new UsageError(sub === undefined ? "Missing subcommand: show" : `Unknown subcommand ${sub}`);
    }
    if (file === undefined || extra !== undefined) throw new UsageError("Give exactly one tape file");
    let text;
    try {
      text = await rt.readTextFile(file);
      await rt.writeStdout(formatTimeline(parseTape(text)));
    } catch (error) {
      rt.writeStderr(`mcpwire tape: ${file}: ${error instanceof Error ? error.message : error}\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      rt.writeStderr(`mcpwire tape: ${error.message}\n${TAPE_USAGE}`);
      return 2;
    }
    throw error;
  }
}

/**
 * Opens `file` (truncated first) for `--record FILE` and returns the appender the proxies' `record` option
 * takes.
 *
 * @throws {UsageError} When the file cannot be written.
 * @example
 * ```ts ignore
 * const proxy = createReverseProxy({ upstream: url, record: await recordingFlag("session.jsonl", rt, log) });
 * ```
 */
export async function recordingFlag(
  file: string,
  rt: Runtime,
  log: (line: string) => void,
): Promise<(text: string) => Promise<void>> {
  try {
    await rt.writeTextFile(file, "");
  } catch (error) {
    throw new UsageError(`--record ${file}: cannot write: ${error instanceof Error ? error.message : error}`);
  }
  log(`recording to ${file}`);
  return (text) => rt.appendTextFile(file, text);
}
