/**
 * Starts `mcpwire` from `cli.ts` exactly as the README runs it, on the runtime running the test (so
 * `deno test` covers Deno and `bun test` covers Bun), optionally under `ulimit -n`, and finds the descendant
 * processes it spawned (stdio children) through `/proc`.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { type CliChild, LISTENING, startCli as startChild } from "./cli_child.ts";

/** A running `mcpwire` process (a {@linkcode CliChild}) with the URL it logged as `base`. */
export interface CliProcess extends CliChild {
  /** The URL it logged (`listening on …`). */
  base: URL;
}

/**
 * Starts `mcpwire ARGS…` (through `cli_child.ts`) and waits for its `listening on` line.
 *
 * @param args e.g. `["reverse", "--bind", "127.0.0.1:0", "--upstream", url]`.
 * @param ulimit An open-file limit to start it under.
 * @throws {Error} When it exits or does not listen in time (its stderr in the message).
 */
export async function startCli(args: string[], ulimit?: number): Promise<CliProcess> {
  const child = await startChild(args, LISTENING, { timeoutMs: 20_000, ...(ulimit === undefined ? {} : { ulimit }) });
  return { ...child, base: child.endpoint };
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
