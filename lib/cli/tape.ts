/**
 * `mcpwire tape show FILE`: print a tape as a readable timeline. Also the helper the proxies call for
 * `--record FILE`.
 *
 * @module
 */
import type { Runtime } from "../runtime/mod.ts";
import { parseTape } from "../record/tape.ts";
import { formatTimeline } from "../record/show.ts";
import { runSubcommand, UsageError } from "./args.ts";

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
export function tapeCommand(argv: string[], rt: Runtime): Promise<number> {
  return runSubcommand(argv, rt, { command: "tape", subcommand: "show", usage: TAPE_USAGE }, async ([file, extra]) => {
    if (file === undefined || extra !== undefined) throw new UsageError("Give exactly one tape file");
    try {
      await rt.writeStdout(formatTimeline(parseTape(await rt.readTextFile(file))));
    } catch (error) {
      rt.writeStderr(`mcpwire tape: ${file}: ${error instanceof Error ? error.message : error}\n`);
      return 1;
    }
    return 0;
  });
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
