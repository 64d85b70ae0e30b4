/**
 * Rules that follow their file: the file is read every second (content compared, so it works on every
 * file system and runtime); a valid change replaces the rules in force, an invalid one is reported with
 * its line and field errors and the previous rules stay.
 *
 * @module
 */
import { createRulesEngine, type RulesEngine } from "./rules_engine.ts";
import { formatIssues, loadRulesFile } from "./rules_load.ts";
import type { RuleHit } from "./rules_types.ts";

/** Options of {@linkcode watchRulesFile}. */
export interface WatchRulesOptions {
  /** The runtime's file reader (`runtime.readTextFile`). */
  readTextFile: (path: string) => Promise<string>;
  /** How often the file is read, in ms. @default 1_000 */
  intervalMs?: number;
  /** Receives one line per event: reloaded, rejected (with the issues), unreadable. */
  log?: (line: string) => void;
  /** Observes every rule hit (`createRulesEngine`'s `onHit`), across reloads. */
  onHit?: (hit: RuleHit) => void;
}

/** Rules loaded from a file and kept in sync with it. */
export interface WatchedRules {
  /** The engine; put `engine.interceptor` in a chain. */
  engine: RulesEngine;
  /** Stops watching. */
  stop(): void;
}

/**
 * Loads `path` and watches it. This is what `mcpwire reverse --rules FILE` uses, and what the forward
 * proxy calls for its own `--rules`.
 *
 * @param path The rules file (`.json`, or YAML otherwise).
 * @param options The file reader, the interval and the log.
 * @returns The engine and a stop function.
 * @throws {Error} When the file cannot be read or is invalid at start (the message lists every issue as
 * `file:line:column: field: message`).
 * @example
 * ```ts ignore
 * const rules = await watchRulesFile("rules.yaml", { readTextFile: runtime.readTextFile });
 * const upstream = interceptUpstream(inner, createInterceptorChain([rules.engine.interceptor]));
 * ```
 */
export async function watchRulesFile(path: string, options: WatchRulesOptions): Promise<WatchedRules> {
  const log = options.log ?? (() => {});
  let text = await options.readTextFile(path);
  const first = await loadRulesFile(path, () => Promise.resolve(text));
  if (!first.ok) throw new Error(`Invalid rules file:\n${formatIssues(path, first.issues)}`);
  const engine = createRulesEngine(first.rules, Date.now, options.onHit);
  let busy = false;
  let unreadable = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const next = await options.readTextFile(path);
      unreadable = false;
      if (next === text) return;
      text = next;
      const result = await loadRulesFile(path, () => Promise.resolve(next));
      if (result.ok) {
        engine.replace(result.rules);
        log(`rules reloaded from ${path}: ${result.rules.rules.length} rules`);
      } else {
        log(`rules file ${path} rejected, previous rules stay in force:\n${formatIssues(path, result.issues)}`);
      }
    } catch (error) {
      if (!unreadable) {
        log(
          `rules file ${path} unreadable, previous rules stay in force: ${
            error instanceof Error ? error.message : error
          }`,
        );
      }
      unreadable = true;
    } finally {
      busy = false;
    }
  }, options.intervalMs ?? 1_000);
  // Never keep a process alive just to watch a file.
  (timer as { unref?: () => void }).unref?.();
  return { engine, stop: () => clearInterval(timer) };
}
