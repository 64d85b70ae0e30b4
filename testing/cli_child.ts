/**
 * `mcpwire <args>` (cli.ts on the runtime running the tests, started as the README runs it) as a child
 * process that printed its endpoint URL on stderr, for end-to-end tests.
 *
 * @module
 */
import { spawn } from "node:child_process";
import nodeProcess from "node:process";
import { ROOT, RUNTIME } from "./e2e.ts";

const CLI = `${ROOT}cli.ts`;

/** A running `mcpwire <args>` child that printed its endpoint URL on stderr. */
export interface CliChild {
  endpoint: URL;
  /**
   * Sends SIGTERM; resolves with how long the child took to exit (ms) and whether it shut down cleanly: it
   * printed `shutting down` and exited with 0. (Deno's node:child_process reports every child it killed as
   * ended by the signal, exit code null, even when the child handled the signal and exited with 0; so the
   * line tells that the handler ran, and on Bun the code is checked too.)
   */
  stop(): Promise<{ clean: boolean; ms: number }>;
}

/**
 * Starts `mcpwire <args>` and waits (30 s at most) until `ready` matches its stderr; group 1 is the endpoint.
 *
 * @throws {Error} When the child exits first or does not get ready in time.
 */
export async function startCli(args: string[], ready: RegExp): Promise<CliChild> {
  const child = spawn(nodeProcess.execPath, RUNTIME === "deno" ? ["run", "-A", CLI, ...args] : [CLI, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  const clean = (code: number | null) => /shutting down/.test(stderr) && (RUNTIME === "deno" || code === 0);
  const endpoint = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mcpwire ${args[0]} did not start: ${stderr}`)), 30_000);
    child.stderr!.on("data", (chunk) => {
      stderr += String(chunk);
      const url = ready.exec(stderr)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(new URL(url));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`mcpwire ${args[0]} exited with ${code}: ${stderr}`));
    });
  });
  return {
    endpoint,
    async stop() {
      const started = performance.now();
      if (child.exitCode !== null || child.signalCode !== null) return { clean: false, ms: 0 };
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(killer);
      return { clean: clean(code), ms: performance.now() - started };
    },
  };
}
