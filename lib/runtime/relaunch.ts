/**
 * Bun reads its `fetch` connection cap (`BUN_CONFIG_MAX_HTTP_REQUESTS`, 256 by default) once, when the
 * process starts; setting it later has no effect. A proxy holds one upstream connection per open stream,
 * so `bun cli.ts reverse` would stop at 256 streams (the rest time out into 502s). {@linkcode relaunchForBun}
 * starts the same command again with the variable set, so users need not know about it.
 *
 * The child inherits standard input, output and error (so `forward`'s stdio JSON-RPC passes through
 * untouched), its exit code becomes ours, and SIGINT/SIGTERM sent to this process are passed on to it.
 *
 * @module
 */
import { spawn } from "node:child_process";
import nodeProcess from "node:process";
import { BUN_FETCH_CAP_VARIABLE } from "./limits.ts";

/** The cap the relaunched process gets: the largest Bun accepts. */
export const RELAUNCH_FETCH_CAP = "65535";

/**
 * The arguments that start this command again with `process.execPath`: the script and its arguments for
 * `bun cli.ts …`; only the arguments for a `bun build --compile` binary, whose `argv[1]` is its own
 * embedded path (`/$bunfs/root/…`), which the binary would read as a command.
 *
 * @example
 * ```ts
 * import { relaunchArguments } from "./relaunch.ts";
 * console.assert(relaunchArguments(["bun", "cli.ts", "reverse"]).join(" ") === "cli.ts reverse");
 * console.assert(relaunchArguments(["bun", "/$bunfs/root/mcpwire", "reverse"]).join(" ") === "reverse");
 * ```
 */
export function relaunchArguments(argv: readonly string[]): string[] {
  return argv.slice(argv[1]?.startsWith("/$bunfs/") ? 2 : 1);
}

/**
 * On Bun without `BUN_CONFIG_MAX_HTTP_REQUESTS`, runs this same command line again with it set to
 * {@linkcode RELAUNCH_FETCH_CAP} and resolves with the child's exit code (128 + n when a signal ended it).
 * Anywhere else (Deno, or Bun with the variable already set, or a user's own value) it does nothing.
 *
 * @returns `undefined` when no relaunch is needed; otherwise the child's exit code once it has ended.
 * @example
 * ```ts ignore
 * const relaunched = relaunchForBun();
 * if (relaunched) runtime.exit(await relaunched);
 * ```
 */
export function relaunchForBun(): Promise<number> | undefined {
  if (!(globalThis as { Bun?: unknown }).Bun) return undefined;
  if (nodeProcess.env[BUN_FETCH_CAP_VARIABLE] !== undefined) return undefined;
  const child = spawn(nodeProcess.execPath, [...nodeProcess.execArgv, ...relaunchArguments(nodeProcess.argv)], {
    stdio: "inherit",
    env: { ...nodeProcess.env, [BUN_FETCH_CAP_VARIABLE]: RELAUNCH_FETCH_CAP },
  });
  // A terminal's Ctrl-C reaches both processes (same process group); the child's handler treats the
  // forwarded copy as the same request (see onShutdownSignal), so shutdown stays clean and exits 0.
  const forward = (signal: "SIGINT" | "SIGTERM") => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const handlers = { SIGINT: forward("SIGINT"), SIGTERM: forward("SIGTERM") };
  nodeProcess.on("SIGINT", handlers.SIGINT);
  nodeProcess.on("SIGTERM", handlers.SIGTERM);
  return new Promise((resolve) => {
    child.once("error", () => resolve(127));
    child.once("exit", (code, signal) => {
      nodeProcess.off("SIGINT", handlers.SIGINT);
      nodeProcess.off("SIGTERM", handlers.SIGTERM);
      resolve(code ?? (signal === "SIGINT" ? 130 : signal === "SIGKILL" ? 137 : 143));
    });
  });
}
