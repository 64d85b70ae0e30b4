/**
 * Starts `mcpwire` from `cli.ts` exactly as the README runs it, on the runtime running the test (so
 * `deno test` covers Deno and `bun test` covers Bun), optionally under `ulimit -n`, and finds the descendant
 * processes it spawned (stdio children) through `/proc`.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, RUNTIME } from "./e2e.ts";

/** The command line that starts mcpwire on this runtime. */
export const CLI = RUNTIME === "deno"
  ? [join(ROOT, "node_modules/.bin/deno"), "run", "-A", "cli.ts"]
  : [join(ROOT, "node_modules/.bin/bun"), "cli.ts"];

/** A running `mcpwire` process. */
export interface CliProcess {
  /** The URL it logged (`listening on …`). */
  base: URL;
  /** Its process id (on Bun the relaunching parent; its descendants include the real server). */
  pid: number;
  stderr: () => string;
  alive: () => boolean;
  /** SIGTERM, then SIGKILL after 5 s; resolves once it exited. */
  stop: () => Promise<void>;
}

/**
 * Starts `mcpwire ARGS…` and waits (at most 20 s) for its `listening on` line.
 *
 * @param args e.g. `["reverse", "--bind", "127.0.0.1:0", "--upstream", url]`.
 * @param ulimit An open-file limit to start it under (`sh -c "ulimit -n N; exec …"`).
 * @throws {Error} When it exits or does not listen in time (its stderr in the message).
 */
export async function startCli(args: string[], ulimit?: number): Promise<CliProcess> {
  const argv = [...CLI, ...args];
  // The condition under test is the limit the proxy runs with, so only that is wrapped around it.
  const child = ulimit === undefined
    ? spawn(argv[0]!, argv.slice(1), { cwd: ROOT })
    : spawn("sh", ["-c", `ulimit -n ${ulimit}; exec "$@"`, "sh", ...argv], { cwd: ROOT });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  child.stdout!.resume();
  const exited = once(child, "exit");
  const deadline = Date.now() + 20_000;
  while (!/listening on (\S+)/.test(stderr)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`mcpwire did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base: new URL(/listening on (\S+)/.exec(stderr)![1]!),
    pid: child.pid!,
    stderr: () => stderr,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The live descendants of process `pid` whose command line (arguments joined by spaces) `match`es
 * (Linux `/proc`; zombies are not counted, they hold no memory and are reaped by their parent).
 *
 * @returns Their process ids.
 */
export function descendants(pid: number, match: (command: string) => boolean): number[] {
  const parents = new Map<number, number>();
  const commands = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") continue;
      parents.set(Number(entry), Number(fields[1]));
      commands.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " "));
    } catch {
      // the process ended while being read
    }
  }
  const isBelow = (p: number): boolean => {
    for (let up = parents.get(p), hops = 0; up !== undefined && hops < 64; up = parents.get(up), hops++) {
      if (up === pid) return true;
    }
    return false;
  };
  return [...parents.keys()].filter((p) => isBelow(p) && match(commands.get(p) ?? ""));
}
