/**
 * The era matrix's way of running mcpwire as users run it: `mcpwire reverse` as a child process of the
 * runtime running the tests, and the command line of `mcpwire forward` that a stdio client spawns.
 *
 * @module
 */
import { spawn } from "node:child_process";
import nodeProcess from "node:process";
import { ROOT, RUNTIME } from "../e2e.ts";

/** The command (the runtime's executable) and arguments that run `mcpwire <args>` from cli.ts. */
export function mcpwireCommand(args: string[]): { command: string; args: string[] } {
  const cli = `${ROOT}cli.ts`;
  return { command: nodeProcess.execPath, args: RUNTIME === "deno" ? ["run", "-A", cli, ...args] : [cli, ...args] };
}

/** A running `mcpwire reverse`. */
export interface ReverseChild {
  /** The MCP endpoint it printed (`…/mcp`). */
  endpoint: URL;
  /** SIGTERM (SIGKILL after 10 s), waits for the exit: the tape is flushed on a clean shutdown. */
  stop(): Promise<void>;
}

/**
 * Starts `mcpwire reverse --bind 127.0.0.1:0 <args>` and waits (at most `timeoutMs`) for its
 * `listening on URL` line.
 *
 * @throws {Error} When it exits or prints no endpoint in time (stderr quoted).
 */
export async function startReverse(args: string[], timeoutMs = 30_000): Promise<ReverseChild> {
  const { command, args: argv } = mcpwireCommand(["reverse", "--bind", "127.0.0.1:0", ...args]);
  const child = spawn(command, argv, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const endpoint = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`mcpwire reverse did not start: ${stderr}`));
    }, timeoutMs);
    child.stderr!.on("data", (chunk) => {
      stderr += String(chunk);
      const url = /listening on (\S+)/.exec(stderr)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(new URL(url));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`mcpwire reverse exited: ${stderr}`));
    });
  });
  return {
    endpoint,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
