/**
 * Starts `mcpwire …` (cli.ts on the runtime running the tests, as the README runs it) and waits for the
 * URLs it prints on stderr.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import nodeProcess from "node:process";
import { ROOT, RUNTIME } from "./e2e.ts";

/** A running `mcpwire` child. */
export interface CliChild {
  /** The first capture group of each `ready` pattern, as URLs, in order. */
  urls: URL[];
  /** Everything it printed on stderr so far. */
  stderr(): string;
  /** SIGTERM (SIGKILL after 10 s); resolves when it exited. */
  stop(): Promise<void>;
}

/**
 * Starts `mcpwire <args>` and waits (30 s at most) until every pattern in `ready` matched its stderr.
 *
 * @throws {Error} When it exits first, or does not print them in time (with its stderr).
 */
export async function startCli(args: string[], ready: RegExp[]): Promise<CliChild> {
  const cli = `${ROOT}cli.ts`;
  const child = spawn(nodeProcess.execPath, RUNTIME === "deno" ? ["run", "-A", cli, ...args] : [cli, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  const urls = await new Promise<URL[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mcpwire ${args[0]} did not start: ${stderr}`)), 30_000);
    child.stderr!.on("data", (chunk) => {
      stderr += String(chunk);
      const found = ready.map((re) => re.exec(stderr)?.[1]);
      if (found.every((u) => u !== undefined)) {
        clearTimeout(timer);
        resolve(found.map((u) => new URL(u!)));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`mcpwire ${args[0]} exited with ${code}: ${stderr}`));
    });
  });
  return {
    urls,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Runs `mcpwire <args>` to completion (60 s at most); returns its exit code and output. */
export function runCli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const cli = `${ROOT}cli.ts`;
  const r = spawnSync(nodeProcess.execPath, RUNTIME === "deno" ? ["run", "-A", cli, ...args] : [cli, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
