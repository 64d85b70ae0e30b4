/**
 * A throwaway `redis-server` for tests: started on a free loopback port with no persistence, stopped
 * after. `.ci/run` installs the binary; locally, tests skip (with a message saying how to install it) only
 * when it is missing, and never in CI.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import nodeProcess from "node:process";
import { freePort, terminate } from "./e2e.ts";

/** A running redis-server. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>/0`. */
  url: string;
  port: number;
  /** Stops the server (SIGTERM, SIGKILL after 2 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Why Redis tests must be skipped here, or `undefined` to run them: the binary is missing and this is not
 * CI (`CI` set). In CI a missing binary fails the tests instead.
 */
export function redisSkipReason(): string | undefined {
  if (nodeProcess.env.CI) return undefined;
  const probe = spawnSync("redis-server", ["--version"], { stdio: "ignore" });
  if (probe.error === undefined && probe.status === 0) return undefined;
  return "redis-server is not installed: apt-get update && apt-get install -y redis-server (CI installs it)";
}

/**
 * Starts redis-server on a free loopback port and waits (bounded) until it accepts connections.
 *
 * @param timeoutMs How long to wait for "Ready to accept connections", in ms.
 * @param port A fixed port (to restart a stopped server where its clients reconnect); a free one when unset.
 * @throws {Error} When the binary is missing, or the server is not ready within `timeoutMs` (three ports
 *   are tried when the first is taken meanwhile).
 */
export async function startRedisServer(timeoutMs = 10_000, port?: number): Promise<RedisServer> {
  // A restart on a known port (the store-outage tests): no other port will do.
  if (port !== undefined) return await _startOnce(port, timeoutMs);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await _startOnce(await freePort(), timeoutMs);
    } catch (error) {
      lastError = error;
      if (!String(error).includes("in use")) break;
    }
  }
  throw lastError;
}

async function _startOnce(port: number, timeoutMs: number): Promise<RedisServer> {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server not ready in ${timeoutMs} ms: ${output}`)),
      timeoutMs,
    );
    const onData = (data: unknown) => {
      output += String(data);
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`Cannot start redis-server: ${error.message}`));
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}) before it was ready: ${output.slice(-500)}`));
    });
  });
  const stop = () => terminate(child, exited);
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  child.stdout.removeAllListeners("data");
  child.stderr.removeAllListeners("data");
  child.stdout.resume();
  child.stderr.resume();
  return { url: `redis://127.0.0.1:${port}/0`, port, stop };
}
