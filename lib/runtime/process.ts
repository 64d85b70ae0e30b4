/**
 * Child processes, standard streams, environment and exit, for Deno and Bun alike (both implement
 * `node:child_process` and `node:process`).
 *
 * @module
 */
import { spawn as nodeSpawn } from "node:child_process";
import nodeProcess from "node:process";
import { Readable, Writable } from "node:stream";
import type { StdioChild } from "../upstream/stdio.ts";

/** A spawned child process with Web streams: the stdio upstream's child, with its process id. */
export interface ChildProcess extends StdioChild {
  /** Operating-system process id. */
  pid: number | undefined;
}

/** Options for {@linkcode spawn}. */
export interface SpawnOptions {
  /** Extra environment variables, merged over the parent's. */
  env?: Record<string, string>;
  /** Working directory. */
  cwd?: string;
}

/**
 * Starts `command` with `args`, piping all three standard streams.
 *
 * @throws {Error} Never synchronously for a missing command: a failed start resolves `exited` with 127
 * and closes the streams, so callers see one failure path.
 * @example
 * ```ts ignore
 * const child = spawn("node", ["server.js"]);
 * await child.exited;
 * ```
 */
export function spawn(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = nodeSpawn(command, args, {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...nodeProcess.env, ...options.env },
    cwd: options.cwd,
  });
  const exited = new Promise<number | null>((resolve) => {
    let done = false;
    const finish = (code: number | null) => {
      if (!done) {
        done = true;
        resolve(code);
      }
    };
    child.once("exit", (code) => finish(code));
    child.once("error", () => finish(127));
  });
  // A write to a child that has gone away must not crash the proxy (EPIPE).
  child.stdin.on("error", () => {});
  return {
    pid: child.pid,
    stdin: Writable.toWeb(child.stdin) as WritableStream<Uint8Array>,
    stdout: Readable.toWeb(child.stdout) as unknown as ReadableStream<Uint8Array>,
    stderr: Readable.toWeb(child.stderr) as unknown as ReadableStream<Uint8Array>,
    exited,
    kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** The process's standard input as a Web stream. */
export function stdinStream(): ReadableStream<Uint8Array> {
  return Readable.toWeb(nodeProcess.stdin) as unknown as ReadableStream<Uint8Array>;
}

/** Writes text to standard output (JSON-RPC only, for the forward proxy). */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => nodeProcess.stdout.write(text, (e) => (e ? reject(e) : resolve())));
}

/** Writes text to standard error (logs). */
export function writeStderr(text: string): void {
  nodeProcess.stderr.write(text);
}

/** Whether standard error is a terminal (for colour). */
export function stderrIsTTY(): boolean {
  return Boolean(nodeProcess.stderr.isTTY);
}

/** Whether standard output is a terminal (for colour). */
export function stdoutIsTTY(): boolean {
  return Boolean(nodeProcess.stdout.isTTY);
}

/** Command-line arguments after the script name. */
export function args(): string[] {
  return nodeProcess.argv.slice(2);
}

/** Reads an environment variable. */
export function env(name: string): string | undefined {
  return nodeProcess.env[name];
}

/** Ends the process with `code`. */
export function exit(code: number): never {
  nodeProcess.exit(code);
}

/**
 * A repeat of the first shutdown signal within this many ms is the same request, not a second one: on Bun
 * a terminal's Ctrl-C reaches both the relaunching parent (`relaunch.ts`) and this process, and the
 * parent passes its copy on.
 */
export const REPEATED_SIGNAL_MS = 1_000;

/**
 * Runs `handler` once on SIGINT or SIGTERM (Ctrl-C, or a supervisor stopping the proxy). A second signal
 * (after {@linkcode REPEATED_SIGNAL_MS}) ends the process at once with 130.
 */
export function onShutdownSignal(handler: (signal: string) => void): void {
  let firedAt: number | undefined;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    nodeProcess.on(signal, () => {
      if (firedAt !== undefined) {
        if (Date.now() - firedAt > REPEATED_SIGNAL_MS) nodeProcess.exit(130);
        return;
      }
      firedAt = Date.now();
      handler(signal);
    });
  }
}

/** Which runtime runs mcpwire: `"deno"`, `"bun"` or `"other"`. */
export function runtimeName(): "deno" | "bun" | "other" {
  const g = globalThis as Record<string, unknown>;
  return g.Bun ? "bun" : g.Deno ? "deno" : "other";
}
