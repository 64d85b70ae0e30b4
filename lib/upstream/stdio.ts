/**
 * The stdio upstream connector: one child process per connection, newline-delimited JSON-RPC on its
 * stdin/stdout (MCP "stdio" transport), its stderr handed to the proxy's log.
 *
 * @module
 */
import { withDeadline } from "../kit/deadline.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import { isRequest } from "../jsonrpc/types.ts";
import { parseBody } from "../jsonrpc/parse.ts";
import { splitLines } from "../kit/lines.ts";
import { ReplyRouter } from "./router.ts";
import {
  type SendContext,
  type Upstream,
  type UpstreamConnection,
  type UpstreamMessage,
  type UpstreamReply,
  UpstreamUnavailableError,
} from "./types.ts";

/** A started child process, as the runtime adapter's `spawn` provides it (`lib/runtime/mod.ts`). */
export interface StdioChild {
  /** Operating-system process id, when the child is a real one. */
  pid?: number | undefined;
  /** The child's standard input: newline-delimited JSON-RPC to the server. */
  stdin: WritableStream<Uint8Array>;
  /** The child's standard output: newline-delimited JSON-RPC from the server. */
  stdout: ReadableStream<Uint8Array>;
  /** The child's standard error: log lines. */
  stderr: ReadableStream<Uint8Array>;
  /** Resolves with the exit code (`null` when killed by a signal). */
  exited: Promise<number | null>;
  /** Sends a signal (default `SIGTERM`). */
  kill(signal?: "SIGTERM" | "SIGKILL" | "SIGINT"): void;
}

/** Options for {@linkcode stdioUpstream}. */
export interface StdioUpstreamOptions {
  /** The command and its arguments. */
  command: string;
  /** The arguments. @default [] */
  args?: string[];
  /** Starts a child (the runtime's `spawn`; injected so this module stays runtime-neutral). */
  spawn: (command: string, args: string[]) => StdioChild;
  /** Called after each child starts (one per connection), e.g. to log its pid. */
  onSpawn?: (child: StdioChild) => void;
  /** Receives each line the child writes to stderr. @default ignore */
  onStderr?: (line: string) => void;
  /** Receives a line the child wrote to stdout that is not JSON-RPC. @default ignore */
  onInvalidOutput?: (line: string) => void;
  /** Messages kept for the standalone stream before anyone listens; older ones are dropped. @default 10_000 */
  maxBufferedMessages?: number;
  /** Grace period before a child that ignores SIGTERM gets SIGKILL, in ms. @default 2_000 */
  killGraceMs?: number;
}

/**
 * An upstream MCP server started as a child process, one per connection, so that clients never see each
 * other's messages (docs/field-notes.md item 7).
 *
 * @example
 * ```ts ignore
 * import { runtime } from "../runtime/mod.ts";
 * const upstream = stdioUpstream({ command: "npx", args: ["mcp-server-everything"], spawn: runtime.spawn });
 * ```
 */
export function stdioUpstream(options: StdioUpstreamOptions): Upstream {
  const args = options.args ?? [];
  return {
    description: [options.command, ...args].join(" "),
    connect: () => new StdioConnection(options, args),
  };
}

class StdioConnection implements UpstreamConnection {
  #options: StdioUpstreamOptions;
  #args: string[];
  #child: StdioChild | undefined;
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #encoder = new TextEncoder();
  #router: ReplyRouter;
  #exited = false;
  #endedResolve!: () => void;
  readonly ended: Promise<void> = new Promise((resolve) => (this.#endedResolve = resolve));

  constructor(options: StdioUpstreamOptions, args: string[]) {
    this.#options = options;
    this.#args = args;
    this.#router = new ReplyRouter(options.maxBufferedMessages ?? 10_000);
  }

  #start(): void {
    if (this.#child) return;
    let child: StdioChild;
    try {
      child = this.#options.spawn(this.#options.command, this.#args);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UpstreamUnavailableError(`Cannot start ${this.#options.command}: ${reason}`);
    }
    this.#child = child;
    this.#options.onSpawn?.(child);
    this.#writer = child.stdin.getWriter();
    this.#writer.closed.catch(() => {});
    void this.#readStdout(child.stdout);
    void this.#readStderr(child.stderr);
    void child.exited.then((code) => this.#onExit(code));
  }

  async #readStdout(stdout: ReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const line of splitLines(stdout)) {
        const parsed = parseBody(line);
        if (!parsed.ok) {
          this.#options.onInvalidOutput?.(line);
          continue;
        }
        for (const message of parsed.messages) this.#router.route({ message });
      }
    } catch {
      // The pipe broke: the exit handler reports it.
    }
  }

  async #readStderr(stderr: ReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const line of splitLines(stderr)) this.#options.onStderr?.(line);
    } catch {
      // Ignore: stderr is informational only.
    }
  }

  #onExit(code: number | null): void {
    this.#exited = true;
    // Requests in flight on a dead child get an error, never a hang (docs/field-notes.md item 15).
    this.#router.fail(`The upstream process exited (${code === null ? "killed by a signal" : `code ${code}`})`);
    this.#endedResolve();
  }

  async send(messages: JsonRpcMessage[], _context?: SendContext): Promise<UpstreamReply> {
    if (this.#exited) throw new UpstreamUnavailableError("The upstream process has exited");
    this.#start();
    const requests = messages.filter(isRequest);
    const stream = requests.length > 0 ? this.#router.reply(requests) : undefined;
    const text = messages.map((m) => JSON.stringify(m) + "\n").join("");
    try {
      await this.#writer!.write(this.#encoder.encode(text));
    } catch {
      throw new UpstreamUnavailableError("The upstream process does not accept input");
    }
    return stream ? { type: "messages", delivery: "streamed", messages: stream } : { type: "accepted" };
  }

  listen(_context?: SendContext): Promise<ReadableStream<UpstreamMessage> | null> {
    if (!this.#exited) this.#start();
    return Promise.resolve(this.#router.listen());
  }

  async close(): Promise<void> {
    const child = this.#child;
    if (!child || this.#exited) return;
    await this.#writer?.close().catch(() => {});
    child.kill("SIGTERM");
    const grace = this.#options.killGraceMs ?? 2_000;
    const outcome = await withDeadline<number | null | "timeout">(child.exited, grace, { onTimeout: () => "timeout" });
    if (outcome === "timeout") {
      child.kill("SIGKILL");
      await child.exited;
    }
  }
}
