/**
 * `mcpwire reverse` started as the README runs it (the CLI on the current runtime, as a child process),
 * and a header tap: a loopback pass-through in front of a real upstream that records the headers of every
 * request it forwards.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { serve } from "../lib/runtime/serve.ts";
import { ROOT, RUNTIME } from "./e2e.ts";

/** The CLI on the runtime running the tests. */
export const CLI: readonly string[] = RUNTIME === "deno"
  ? [join(ROOT, "node_modules/.bin/deno"), "run", "-A", "cli.ts"]
  : [join(ROOT, "node_modules/.bin/bun"), "cli.ts"];

/** A running `mcpwire reverse`. */
export interface CliProxy {
  /** The MCP endpoint URL it printed (`listening on …`). */
  endpoint: URL;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Is the process still running? */
  alive(): boolean;
  /** SIGTERM, SIGKILL after 5 s; waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `mcpwire reverse --bind 127.0.0.1:0 ARGS…` and waits (at most 20 s) for its `listening on` line.
 * With `ulimit`, the process runs under `ulimit -n <ulimit>` (the only thing wrapped around it).
 *
 * @throws {Error} With its stderr when it exits or does not listen in time.
 */
export async function startReverseCli(args: string[], options: { ulimit?: number } = {}): Promise<CliProxy> {
  const command = [...CLI, "reverse", "--bind", "127.0.0.1:0", ...args];
  const child = options.ulimit === undefined
    ? spawn(command[0]!, command.slice(1), { cwd: ROOT })
    : spawn("sh", ["-c", `ulimit -n ${options.ulimit}; exec "$@"`, "sh", ...command], { cwd: ROOT });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  child.stdout!.resume();
  const exited = once(child, "exit");
  const deadline = Date.now() + 20_000;
  while (!/listening on (\S+)/.test(stderr)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`mcpwire reverse did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    endpoint: new URL(/listening on (\S+)/.exec(stderr)![1]!),
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

/** A pass-through recording request headers. */
export interface HeaderTap {
  /** Its base URL; requests to `<url><path>` go to `<target origin><path>`. */
  url: URL;
  /** The headers of every request forwarded so far. */
  seen: Headers[];
  close(): Promise<void>;
}

/** Starts a {@linkcode HeaderTap} in front of `target` (e.g. server-everything's base URL). */
export async function startHeaderTap(target: URL): Promise<HeaderTap> {
  const seen: Headers[] = [];
  const server = await serve(async (request) => {
    seen.push(new Headers(request.headers));
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    headers.delete("host");
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
    return await fetch(new URL(url.pathname + url.search, target), { method: request.method, headers, body });
  }, { hostname: "127.0.0.1", port: 0 });
  return { url: server.url, seen, close: () => server.close() };
}
