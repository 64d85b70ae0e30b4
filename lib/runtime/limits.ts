/**
 * The process limits that bound how many connections mcpwire can hold: the open-file limit
 * (RLIMIT_NOFILE), and on Bun the cap on simultaneous `fetch` connections (`BUN_CONFIG_MAX_HTTP_REQUESTS`).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import nodeProcess from "node:process";
import { availableParallelism } from "node:os";

/** The open-file limit the process runs with. */
export interface OpenFileLimit {
  /** The soft limit: the most descriptors this process may hold open. */
  soft: number;
  /** The hard limit (how far the soft one could be raised), or `undefined` when unknown or unlimited. */
  hard: number | undefined;
  /** Where the figure comes from: `/proc/self/limits`, or `assumed` when it could not be read. */
  source: "/proc/self/limits" | "assumed";
}

/** The soft limit assumed when it cannot be read (the usual Linux and macOS default of a login shell). */
export const ASSUMED_OPEN_FILE_LIMIT = 1024;

/**
 * Reads the open-file limit of this process. Deno and Bun both raise the soft limit to the hard one at
 * start, so this is the figure that applies, not what `ulimit -n` said before the runtime started.
 *
 * @returns The limit; `source: "assumed"` with {@linkcode ASSUMED_OPEN_FILE_LIMIT} where `/proc` is missing
 * (macOS, Windows) or unreadable. Never throws.
 * @example
 * ```ts ignore
 * const { soft } = openFileLimit();   // e.g. 20000
 * ```
 */
export function openFileLimit(): OpenFileLimit {
  try {
    return parseProcLimits(readFileSync("/proc/self/limits", "utf8")) ??
      { soft: ASSUMED_OPEN_FILE_LIMIT, hard: undefined, source: "assumed" };
  } catch {
    return { soft: ASSUMED_OPEN_FILE_LIMIT, hard: undefined, source: "assumed" };
  }
}

/**
 * Parses the `Max open files` row of `/proc/<pid>/limits` (`Max open files  1024  524288  files`).
 *
 * @returns The limit, or `undefined` when the row is missing or malformed. `unlimited` soft limits are
 * returned as `Number.MAX_SAFE_INTEGER`.
 */
export function parseProcLimits(text: string): OpenFileLimit | undefined {
  const row = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!row) return undefined;
  const value = (s: string) => (s === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(s));
  const soft = value(row[1]!);
  const hard = value(row[2]!);
  if (!Number.isFinite(soft) || soft <= 0) return undefined;
  return {
    soft,
    hard: Number.isFinite(hard) && hard !== Number.MAX_SAFE_INTEGER ? hard : undefined,
    source: "/proc/self/limits",
  };
}

/** The environment variable Bun reads at start for its `fetch` connection cap. */
export const BUN_FETCH_CAP_VARIABLE = "BUN_CONFIG_MAX_HTTP_REQUESTS";

/** Bun's `fetch` cap when {@linkcode BUN_FETCH_CAP_VARIABLE} is not set. */
export const BUN_DEFAULT_FETCH_CAP = 256;

/**
 * How many `fetch` connections this process can hold at once: on Bun the value of
 * `BUN_CONFIG_MAX_HTTP_REQUESTS` as it was when the process started (256 without it; requests past it
 * queue inside Bun until the connect timeout turns them into 502s), on Deno no cap (`Infinity`).
 *
 * Setting the variable at run time has no effect in Bun, so the value read here is the one in force.
 *
 * @example
 * ```ts ignore
 * fetchConnectionCap();   // 256 under `bun cli.ts` without the variable; Infinity on Deno
 * ```
 */
export function fetchConnectionCap(): number {
  if (!(globalThis as { Bun?: unknown }).Bun) return Infinity;
  const set = Number(nodeProcess.env[BUN_FETCH_CAP_VARIABLE]);
  return Number.isInteger(set) && set > 0 ? set : BUN_DEFAULT_FETCH_CAP;
}

/**
 * How many CPU cores this process may use (`os.availableParallelism()`, which honours CPU affinity), at
 * least 1. Sizes the default cap on stdio children (docs/security.md).
 *
 * @example
 * ```ts ignore
 * cpuCount();   // e.g. 2
 * ```
 */
export function cpuCount(): number {
  try {
    return Math.max(1, availableParallelism());
  } catch {
    return 1;
  }
}

/**
 * Descriptors one client connection holds in a server started by `serve` (`serve.ts`): 3 on Deno behind
 * the header-deadline front (`fronted`: the client's socket and both ends of its connection to
 * `Deno.serve`), otherwise 1. Sizes the stream budget (docs/limits.md).
 *
 * @param fronted Whether `serve` puts the front before `Deno.serve` ({@linkcode usesHeaderFront}).
 * @example
 * ```ts ignore
 * clientConnectionFds(true);   // 3 on Deno, 1 on Bun
 * clientConnectionFds(false);  // 1
 * ```
 */
export function clientConnectionFds(fronted: boolean): number {
  return fronted && (globalThis as { Deno?: unknown }).Deno ? 3 : 1;
}
