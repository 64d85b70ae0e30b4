/**
 * `mcpwire rules check FILE…`: validate rules files (JSON or YAML, `docs/rules.md`) and print every issue
 * with its line, column and field. Also the helper the proxies call for `--rules FILE`.
 *
 * @module
 */
import type { Runtime } from "../runtime/mod.ts";
import type { Interceptor } from "../intercept/types.ts";
import { formatIssues, loadRulesFile } from "../intercept/rules_load.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import { watchRulesFile } from "../intercept/rules_watch.ts";
import type { RuleHit } from "../intercept/rules_types.ts";
import { runSubcommand, UsageError } from "./args.ts";

/** Usage text of `mcpwire rules`. */
export const RULES_USAGE = `Usage: mcpwire rules check FILE [FILE...]

Validate rules files (JSON, or YAML for any other extension). Prints "FILE: ok (N rules)" or one line
per problem as FILE:LINE:COLUMN: FIELD: MESSAGE. Exits 0 when every file is valid, 1 otherwise.
The format is documented in docs/rules.md.

Options:
  -h, --help   show this help
`;

/**
 * Runs `mcpwire rules`.
 *
 * @returns 0 when every file is valid, 1 when one is not (or cannot be read), 2 for a usage error.
 */
export function rulesCommand(argv: string[], rt: Runtime): Promise<number> {
  return runSubcommand(argv, rt, { command: "rules", subcommand: "check", usage: RULES_USAGE }, async (files) => {
    if (files.length === 0) throw new UsageError("Give at least one rules file");
    let failed = false;
    for (const file of files) {
      let result;
      try {
        result = await loadRulesFile(file, rt.readTextFile);
      } catch (error) {
        rt.writeStderr(`${file}: cannot read: ${error instanceof Error ? error.message : error}\n`);
        failed = true;
        continue;
      }
      if (result.ok) await rt.writeStdout(`${file}: ok (${result.rules.rules.length} rules)\n`);
      else {
        failed = true;
        await rt.writeStdout(formatIssues(file, result.issues) + "\n");
      }
    }
    return failed ? 1 : 0;
  });
}

/** The rules of `--rules FILE` as an interceptor, and how to stop watching the file. */
export interface WatchedRulesFlag {
  /** Evaluates the rules in force (the file's latest valid version). */
  interceptor: Interceptor;
  /** The scopes a client request needs under the rules in force (`requireScopes`, docs/auth.md). */
  requiredScopes: (message: JsonRpcMessage, sessionId: string | undefined) => string[];
  /** Stops watching the file. */
  stop(): void;
  /** Where rule hits go (the `--ui` buffer sets it once it exists); nowhere until set. */
  onHit: ((hit: RuleHit) => void) | undefined;
}

/**
 * Loads `file` and watches it (reloaded when its content changes; an invalid version is logged and the
 * previous rules stay). For `--rules FILE` of any proxy command: give the interceptor to the default stack.
 *
 * @throws {UsageError} When the file cannot be read or is invalid at start (every issue in the message).
 * @example
 * ```ts ignore
 * const rules = await watchRulesFlag("rules.yaml", rt, log);
 * const proxy = createReverseProxy({ upstream: url, interceptors: [rules.interceptor] });
 * ```
 */
export async function watchRulesFlag(
  file: string,
  rt: Runtime,
  log: (line: string) => void,
): Promise<WatchedRulesFlag> {
  let watched;
  // The rules are loaded before the rest of the command is set up: hits go wherever `onHit` points later.
  const flag = { onHit: undefined as ((hit: RuleHit) => void) | undefined };
  try {
    watched = await watchRulesFile(file, { readTextFile: rt.readTextFile, log, onHit: (hit) => flag.onHit?.(hit) });
  } catch (error) {
    throw new UsageError(`--rules ${file}: ${error instanceof Error ? error.message : error}`);
  }
  log(`rules loaded from ${file}: ${watched.engine.rules.rules.length} rules (watching for changes)`);
  const engine = watched.engine;
  return Object.assign(flag, {
    interceptor: engine.interceptor,
    requiredScopes: (message: JsonRpcMessage, sessionId: string | undefined) =>
      engine.requiredScopes(message, sessionId),
    stop: watched.stop,
  });
}
