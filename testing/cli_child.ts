/**
 * The one way tests start `mcpwire <args>`: cli.ts on the runtime running the tests (so `deno test` covers
 * Deno and `bun test` covers Bun), started as the README runs it, optionally under `ulimit -n` (the only
 * thing ever wrapped around it), waiting for the URLs it prints on stderr; and {@linkcode runCli} for
 * commands that run to completion. `cli_proxy.ts`, `replicas.ts` and `cli.ts` are thin shapes over it.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import nodeProcess from "node:process";
import { ROOT, RUNTIME, terminate } from "./e2e.ts";

const CLI = `${ROOT}cli.ts`;

/** The pattern of the line every serving command prints: `listening on <endpoint URL>`. */
export const LISTENING = /listening on (\S+)/;

/** The command line (program, arguments) that runs `mcpwire <args>` on this runtime. */
export function cliCommand(args: string[]): [string, string[]] {
  return [nodeProcess.execPath, RUNTIME === "deno" ? ["run", "-A", CLI, ...args] : [CLI, ...args]];
}

/** A running `mcpwire <args>` child that printed its URLs on stderr. */
export interface CliChild {
  /** The first `ready` pattern's URL (the endpoint). */
  endpoint: URL;
  /** The first capture group of each `ready` pattern, as URLs, in order. */
  urls: URL[];
  /** Its process id (on Bun the relaunching parent; the serving process is its child). */
  pid: number;
  /** Everything it printed on stderr so far. */
  stderr(): string;
  /** Whether the process still runs. */
  alive(): boolean;
  /** Sends `signal` and waits (`timeoutMs`, then SIGKILL) for the exit. */
  kill(signal?: "SIGKILL" | "SIGTERM", timeoutMs?: number): Promise<void>;
  /**
   * Sends SIGTERM (SIGKILL after 10 s); resolves with how long the child took to exit (ms) and whether it
   * shut down cleanly: it printed `shutting down` and exited with 0. (Deno's node:child_process reports every
   * child it killed as ended by the signal, exit code null, even when the child handled the signal and exited
   * with 0; so the line tells that the handler ran, and on Bun the code is checked too.)
   */
  stop(): Promise<{ clean: boolean; ms: number }>;
}

/** Options of {@linkcode startCli}. */
export interface StartCliOptions {
  /** Run it under `ulimit -n <ulimit>` (`sh -c "ulimit -n N; exec …"`). */
  ulimit?: number;
  /** How long to wait for the `ready` lines (ms). @default 30000 */
  timeoutMs?: number;
  /** Environment variables added to the test's own (documented settings such as `OTEL_*`). */
  env?: Record<string, string>;
}

/**
 * Starts `mcpwire <args>` and waits until every `ready` pattern matched its stderr; group 1 of each is a
 * URL. A child that does not get ready in time is killed.
 *
 * @throws {Error} When the child exits first or does not get ready in time (with its stderr).
 * @example
 * ```ts ignore
 * const proxy = await startCli(["reverse", "--bind", "127.0.0.1:0", "--upstream", url], LISTENING);
 * await proxy.stop();
 * ```
 */
export async function startCli(
  args: string[],
  ready: RegExp | RegExp[] = LISTENING,
  options: StartCliOptions = {},
): Promise<CliChild> {
  const patterns = Array.isArray(ready) ? ready : [ready];
  const [program, argv] = cliCommand(args);
  const env = options.env ? { ...nodeProcess.env, ...options.env } : undefined;
  const child = options.ulimit === undefined
    ? spawn(program, argv, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], ...(env ? { env } : {}) })
    : spawn("sh", ["-c", `ulimit -n ${options.ulimit}; exec "$@"`, "sh", program, ...argv], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
      ...(env ? { env } : {}),
    });
  let stderr = "";
  // "exit", not "close": on Bun the relaunched serving process holds stderr open after its parent is gone.
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const drained = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const clean = (code: number | null) => /shutting down/.test(stderr) && (RUNTIME === "deno" || code === 0);
  const urls = await new Promise<URL[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`mcpwire ${args[0]} did not start: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.stderr!.on("data", (chunk) => {
      stderr += String(chunk);
      const found = patterns.map((re) => re.exec(stderr)?.[1]);
      if (found.every((u) => u !== undefined)) {
        clearTimeout(timer);
        resolve(found.map((u) => new URL(u!)));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`mcpwire ${args[0]} exited (${code}) before it was ready: ${stderr}`));
    });
  });
  return {
    endpoint: urls[0]!,
    urls,
    pid: child.pid!,
    stderr: () => stderr,
    alive,
    async kill(signal = "SIGTERM", timeoutMs = 5_000) {
      // On Bun the serving process is the relaunched child: a signal for "the replica" goes to it too.
      for (const pid of descendants(child.pid!, () => true)) {
        try {
          nodeProcess.kill(pid, signal);
        } catch {
          // already gone
        }
      }
      await terminate(child, exited, timeoutMs, signal);
    },
    async stop() {
      const started = performance.now();
      if (!alive()) return { clean: false, ms: 0 };
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(killer);
      // Its last lines (`shutting down`) may still be in the pipe: wait for it briefly.
      await Promise.race([drained, new Promise((r) => setTimeout(r, 500))]);
      return { clean: clean(code), ms: performance.now() - started };
    },
  };
}

/** Runs `mcpwire <args>` to completion (60 s at most); returns its exit code and output. */
export function runCli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const [program, argv] = cliCommand(args);
  const r = spawnSync(program, argv, { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
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
