/**
 * mcpwire replicas for scale-out tests: `mcpwire reverse` started as the README runs it (on the runtime
 * running the test, so `deno test` covers Deno and `bun test` covers Bun), each on its own free loopback
 * port, killable with any signal.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { ROOT, RUNTIME, terminate } from "./e2e.ts";

/** The command line that runs `cli.ts` on this runtime. */
export const CLI: string[] = RUNTIME === "deno"
  ? [join(ROOT, "node_modules/.bin/deno"), "run", "-A", "cli.ts"]
  : [join(ROOT, "node_modules/.bin/bun"), "cli.ts"];

/** One running `mcpwire reverse` process. */
export interface Replica {
  /** Its MCP endpoint, e.g. `http://127.0.0.1:41234/mcp`. */
  endpoint: URL;
  /** `127.0.0.1:<port>`, as a balancer names it. */
  address: string;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** Whether the process still runs. */
  alive(): boolean;
  /** Sends `signal` and waits (bounded by `timeoutMs`, then SIGKILL) for the process to exit. */
  kill(signal?: "SIGKILL" | "SIGTERM", timeoutMs?: number): Promise<void>;
}

/**
 * Starts `mcpwire reverse --bind 127.0.0.1:0 <args>` and waits (bounded) for its "listening on" line.
 *
 * @throws {Error} When it exits or does not listen within `timeoutMs`.
 */
export async function startReplica(args: string[], timeoutMs = 20_000): Promise<Replica> {
  const child = spawn(CLI[0]!, [...CLI.slice(1), "reverse", "--bind", "127.0.0.1:0", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  const exited = once(child, "exit");
  const alive = () => child.exitCode === null && child.signalCode === null;
  const kill = (signal: "SIGKILL" | "SIGTERM" = "SIGTERM", ms = 5_000) => terminate(child, exited, ms, signal);
  const deadline = Date.now() + timeoutMs;
  while (!/listening on (\S+)/.test(stderr)) {
    if (!alive() || Date.now() > deadline) {
      await kill("SIGKILL");
      throw new Error(`mcpwire reverse did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const endpoint = new URL(/listening on (\S+)/.exec(stderr)![1]!);
  return { endpoint, address: endpoint.host, stderr: () => stderr, alive, kill };
}
