/**
 * The runtime adapter: everything mcpwire needs from Deno or Bun, behind one object. Command modules in
 * `lib/cli/` receive it from `cli.ts`, so they stay free of runtime APIs and testable with a fake.
 *
 * @module
 */
import { appendFile as nodeAppendFile, readFile as nodeReadFile, writeFile as nodeWriteFile } from "node:fs/promises";
import nodeProcess from "node:process";
import { fileURLToPath } from "node:url";
import { serve } from "./serve.ts";
import { clientConnectionFds, cpuCount, fetchConnectionCap, openFileLimit } from "./limits.ts";
import {
  args,
  env,
  exit,
  onShutdownSignal,
  runtimeName,
  spawn,
  stderrIsTTY,
  stdinStream,
  stdoutIsTTY,
  writeStderr,
  writeStdout,
} from "./process.ts";

export type { Handler, ServeOptions, Server } from "./serve.ts";
export { DEFAULT_HEADER_TIMEOUT_MS, DEFAULT_MAX_HEADER_BYTES } from "./serve.ts";
export type { ChildProcess, SpawnOptions } from "./process.ts";
export type { OpenFileLimit } from "./limits.ts";
export { clientConnectionFds, cpuCount, fetchConnectionCap, openFileLimit } from "./limits.ts";
export { relaunchForBun } from "./relaunch.ts";
export { fetchWithHost } from "./host_fetch.ts";

/** What the command modules may use of the runtime. */
export interface Runtime {
  /** `"deno"` or `"bun"`. */
  name: "deno" | "bun" | "other";
  serve: typeof serve;
  spawn: typeof spawn;
  /** Standard input as a byte stream. */
  stdin: () => ReadableStream<Uint8Array>;
  writeStdout: (text: string) => Promise<void>;
  writeStderr: (text: string) => void;
  stdoutIsTTY: () => boolean;
  stderrIsTTY: () => boolean;
  args: () => string[];
  env: (name: string) => string | undefined;
  exit: (code: number) => never;
  onShutdownSignal: (handler: (signal: string) => void) => void;
  readTextFile: (path: string) => Promise<string>;
  writeTextFile: (path: string, text: string) => Promise<void>;
  /** Appends to a file, creating it when missing (tapes). */
  appendTextFile: (path: string, text: string) => Promise<void>;
  /** The running executable (deno or bun), to start mcpwire's own scripts as children. */
  execPath: () => string;
  /** A local path for a `file:` URL (other URLs are returned as they are). */
  pathOf: (url: URL) => string;
  /** The open-file limit the process runs with (see `limits.ts`). */
  openFileLimit: typeof openFileLimit;
  /** How many `fetch` connections the process can hold at once (Bun's cap; `Infinity` on Deno). */
  fetchConnectionCap: typeof fetchConnectionCap;
  /** CPU cores this process may use, at least 1 (sizes the default cap on stdio children). */
  cpuCount: typeof cpuCount;
  /** Descriptors one client connection holds in a server from `serve` (3 on Deno behind its front, 1 on Bun). */
  clientConnectionFds: typeof clientConnectionFds;
}

/** The runtime mcpwire runs on. */
export const runtime: Runtime = {
  name: runtimeName(),
  serve,
  spawn,
  stdin: stdinStream,
  writeStdout,
  writeStderr,
  stdoutIsTTY,
  stderrIsTTY,
  args,
  env,
  exit,
  onShutdownSignal,
  readTextFile: (path) => nodeReadFile(path, "utf8"),
  writeTextFile: (path, text) => nodeWriteFile(path, text, "utf8"),
  appendTextFile: (path, text) => nodeAppendFile(path, text, "utf8"),
  execPath: () => nodeProcess.execPath,
  pathOf: (url) => (url.protocol === "file:" ? fileURLToPath(url) : url.href),
  openFileLimit,
  fetchConnectionCap,
  cpuCount,
  clientConnectionFds,
};
