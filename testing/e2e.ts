/**
 * Shared helpers for tests: free ports, real third-party MCP servers (server-everything) started as child
 * processes, and an in-process reverse proxy served on loopback.
 *
 * @module
 */
import { createServer } from "node:net";
import { type ChildProcess, spawn as nodeSpawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import nodeProcess from "node:process";
import { createReverseProxy, type ReverseProxy, type ReverseProxyOptions } from "../lib/proxy/reverse.ts";
import { serve, type Server } from "../lib/runtime/serve.ts";
import { LoggingMessageNotificationSchema } from "./deps.ts";

/** The repository root (a directory path). */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Path of server-everything's entry script in node_modules. */
export const EVERYTHING = `${ROOT}node_modules/@modelcontextprotocol/server-everything/dist/index.js`;

/** Which runtime runs the tests. */
export const RUNTIME = (globalThis as { Bun?: unknown }).Bun ? "bun" : "deno";

/** A free TCP port on 127.0.0.1 (bind to 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Stops a child process: `signal` (SIGTERM by default), SIGKILL after `graceMs`, and waits for `exited`.
 * Does nothing for a child that already exited.
 */
export async function terminate(
  child: ChildProcess,
  exited: Promise<unknown>,
  graceMs = 2_000,
  signal: "SIGTERM" | "SIGKILL" = "SIGTERM",
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A started child process that serves HTTP. */
export interface HttpChild {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: URL;
  port: number;
  pid: number | undefined;
  /** Kills the child (SIGKILL after 2 s) and waits for it. */
  close(): Promise<void>;
}

/**
 * Starts `node <script> <args>` with `PORT` set, and waits until the port accepts connections (bounded).
 *
 * @throws {Error} When the child exits or the port is not open within `timeoutMs`.
 */
export async function startHttpChild(
  args: string[],
  options: { port?: number; timeoutMs?: number; env?: Record<string, string>; command?: string } = {},
): Promise<HttpChild> {
  const port = options.port ?? await freePort();
  const child = nodeSpawn(options.command ?? "node", args, {
    env: { ...nodeProcess.env, PORT: String(port), ...options.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += String(d)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (true) {
    if (child.exitCode !== null) throw new Error(`Child exited early: ${stderr.slice(-500)}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
      await r.body?.cancel();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`Child did not listen on ${port} in time: ${stderr.slice(-500)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    port,
    pid: child.pid,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Starts server-everything in `streamableHttp` (endpoint `/mcp`) or `sse` (endpoint `/sse`) mode. */
export function startEverything(mode: "streamableHttp" | "sse", port?: number): Promise<HttpChild> {
  return startHttpChild([EVERYTHING, mode], port === undefined ? {} : { port });
}

/** A reverse proxy served on a free loopback port. */
export interface ServedProxy {
  proxy: ReverseProxy;
  server: Server;
  /** The MCP endpoint URL of the proxy. */
  endpoint: URL;
  close(): Promise<void>;
}

/** Serves `createReverseProxy(options)` on 127.0.0.1 with a free port. */
export async function serveProxy(options: ReverseProxyOptions): Promise<ServedProxy> {
  const proxy = createReverseProxy(options);
  const server = await serve(proxy.fetch, { hostname: "127.0.0.1", port: 0 });
  return {
    proxy,
    server,
    endpoint: new URL(options.path ?? "/mcp", server.url),
    async close() {
      await proxy.close();
      await server.close();
    },
  };
}

/** Standard headers of a client POST. */
export function postHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { "content-type": "application/json", accept: "application/json, text/event-stream", ...extra };
}

/** What the SDK `Client` offers that the helpers below use (its types are not visible in Deno). */
// deno-lint-ignore no-explicit-any
export type SdkClient = any;

/**
 * Calls server-everything's long-running tool (`duration` s, `steps` progress notifications) and returns the
 * result and the progress values the client saw.
 */
export async function longRunningCall(
  client: SdkClient,
  duration = 1,
  steps = 3,
): Promise<{ content: unknown; progress: number[] }> {
  const progress: number[] = [];
  const result = await client.callTool(
    { name: "trigger-long-running-operation", arguments: { duration, steps } },
    undefined,
    { onprogress: (p: { progress: number }) => progress.push(p.progress) },
  );
  return { content: result.content, progress };
}

/**
 * Turns on server-everything's simulated logging and waits for the first log notification (it travels on
 * the standalone stream), then turns it off again.
 *
 * @throws {Error} When none arrives within `timeoutMs`.
 */
export async function firstLogNotification(client: SdkClient, timeoutMs = 5_000): Promise<{ level: string }> {
  const logged = new Promise<{ level: string }>((resolve) =>
    client.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (n: { params: { level: string } }) => resolve(n.params),
    )
  );
  await client.callTool({ name: "toggle-simulated-logging", arguments: {} });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no log notification in ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([logged, timeout]);
  } finally {
    clearTimeout(timer);
    await client.callTool({ name: "toggle-simulated-logging", arguments: {} });
  }
}
