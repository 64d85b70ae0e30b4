/**
 * `mcpwire demo`: the main job on an embedded default. Starts the bundled example MCP server as a stdio
 * child, puts the reverse proxy in front of it on a free loopback port, drives a scripted client session
 * through it (initialize, tools/list, a tool call that streams progress, ping), prints the traffic as it
 * flows, and exits 0 when every step got its answer.
 *
 * @module
 */
import type { Runtime } from "../runtime/mod.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import { stdioUpstream } from "../upstream/stdio.ts";
import { mediaType } from "../protocol/headers.ts";
import { createReverseProxy, type ReverseProxyOptions } from "../proxy/reverse.ts";
import { decodeSse } from "../sse/decode.ts";
import { LATEST_SESSION_REVISION } from "../protocol/revisions.ts";
import { formatEnvelope, formatExchange, palette } from "./format.ts";
import { parseArgs, UsageError } from "./args.ts";

/** Usage text of `mcpwire demo`. */
export const DEMO_USAGE = `Usage: mcpwire demo [options]

Start a bundled example MCP server (stdio), put mcpwire's reverse proxy in front of it on a free
loopback port, drive a scripted client session through the proxy and print the traffic as it flows.
Exits 0 when every step got its answer.

Options:
  --steps N        progress steps of the streaming tool call (default 4)
  --interval MS    time between progress steps, in ms (default 250)
  -h, --help       show this help
`;

/** The result of one scripted step. */
interface StepResult {
  status: number;
  messages: JsonRpcMessage[];
}

/** What the flags of `mcpwire demo` ask for. */
interface DemoSettings {
  /** Progress steps of the streaming tool call. */
  steps: number;
  /** Time between progress steps, in ms. */
  interval: number;
}

/**
 * Runs the demo.
 *
 * @returns 0 when the scripted session completed, 1 when a step failed, 2 for a usage error.
 */
export async function demoCommand(argv: string[], rt: Runtime): Promise<number> {
  let settings: DemoSettings | "help";
  try {
    settings = _parseDemoArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      rt.writeStderr(`mcpwire demo: ${error.message}\n${DEMO_USAGE}`);
      return 2;
    }
    throw error;
  }
  if (settings === "help") {
    await rt.writeStdout(DEMO_USAGE);
    return 0;
  }

  const out = (line: string) => rt.writeStdout(line + "\n");
  const p = palette(rt.stdoutIsTTY());
  const start = Date.now();
  const lines: Promise<void>[] = [];
  const { proxy, server, endpoint } = await _startProxy(rt, {
    onMessage: (e) => lines.push(out(formatEnvelope(e, start, p))),
    onExchange: (x) => lines.push(out(formatExchange(x, start, p))),
  });
  await out(p.bold("mcpwire demo"));
  await out(`  example MCP server : ${p.cyan("stdio child")} (${[rt.name, "lib/demo/example_server.ts"].join(" ")})`);
  await out(`  mcpwire reverse    : ${p.cyan(endpoint.href)}`);
  await out(`  client             : scripted (initialize, tools/list, tools/call countdown with progress, ping)\n`);

  const session = new _DemoSession(endpoint, (line) => lines.push(out(p.red(line))));
  try {
    await session.run(settings);
  } catch (error) {
    session.failures++;
    await out(p.red(`  ✘ ${error instanceof Error ? error.message : String(error)}`));
  } finally {
    await proxy.close();
    await server.close();
    await Promise.all(lines);
  }
  const seconds = ((Date.now() - start) / 1000).toFixed(2);
  if (session.failures === 0) {
    await out(
      `\n${
        p.green("✔")
      } session complete in ${seconds}s: 4 requests answered, ${session.progressSeen} progress notifications streamed, session deleted`,
    );
    return 0;
  }
  await out(`\n${p.red("✘")} the demo session had ${session.failures} failure(s)`);
  return 1;
}

/** The settings of `argv`, or `"help"`; throws {@linkcode UsageError} for a bad argument. */
function _parseDemoArgs(argv: string[]): DemoSettings | "help" {
  const { flags, positionals } = parseArgs(argv, {
    steps: { type: "string" },
    interval: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (flags.help) return "help";
  if (positionals.length > 0) throw new UsageError(`Unexpected argument ${positionals[0]}`);
  return {
    steps: flags.steps === undefined ? 4 : positiveInt(flags.steps as string, "--steps"),
    interval: flags.interval === undefined ? 250 : positiveInt(flags.interval as string, "--interval", true),
  };
}

/** Starts the example server as a stdio child behind the reverse proxy, served on a free loopback port. */
async function _startProxy(rt: Runtime, observers: Pick<ReverseProxyOptions, "onMessage" | "onExchange">) {
  const serverScript = rt.pathOf(new URL("../demo/example_server.ts", import.meta.url));
  const childArgs = rt.name === "deno"
    ? ["run", "--quiet", "--allow-env", "--allow-read", serverScript]
    : [serverScript];
  const upstream = stdioUpstream({
    command: rt.execPath(),
    args: childArgs,
    spawn: (c, a) => rt.spawn(c, a),
    onStderr: (line) => rt.writeStderr(`[example server] ${line}\n`),
  });
  const proxy = createReverseProxy({ upstream, ...observers });
  const server = await rt.serve(proxy.fetch, { hostname: "127.0.0.1", port: 0 });
  return { proxy, server, endpoint: new URL("/mcp", server.url) };
}

/** The scripted client session of the demo; counts the steps that failed. */
class _DemoSession {
  failures = 0;
  progressSeen = 0;
  #endpoint: URL;
  #report: (line: string) => void;
  #sessionId: string | undefined;

  constructor(endpoint: URL, report: (line: string) => void) {
    this.#endpoint = endpoint;
    this.#report = report;
  }

  /** Initialize, tools/list, a tool call that streams `steps` progress notifications, ping, DELETE. */
  async run({ steps, interval }: DemoSettings): Promise<void> {
    this.#expectResult(
      "initialize",
      await this.#post({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: LATEST_SESSION_REVISION,
          capabilities: {},
          clientInfo: { name: "mcpwire-demo", version: "1" },
        },
      }),
      1,
    );
    const initialized = await this.#post({ jsonrpc: "2.0", method: "notifications/initialized" });
    if (initialized.status !== 202) this.failures++;
    this.#expectResult("tools/list", await this.#post({ jsonrpc: "2.0", id: 2, method: "tools/list" }), 2);
    const call = await this.#post({
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: {
        name: "countdown",
        arguments: { steps, intervalMs: interval },
        _meta: { progressToken: "demo-progress" },
      },
    });
    this.progressSeen = call.messages.filter((m) => "method" in m && m.method === "notifications/progress").length;
    this.#expectResult("tools/call countdown", call, 3);
    if (this.progressSeen !== steps) this.failures++;
    this.#expectResult("ping", await this.#post({ jsonrpc: "2.0", id: 4, method: "ping" }), 4);
    if (this.#sessionId) {
      await fetch(this.#endpoint, { method: "DELETE", headers: { "mcp-session-id": this.#sessionId } }).then((r) =>
        r.body?.cancel()
      );
    }
  }

  /** POSTs one message (with the session's headers once it has an id) and collects the reply's messages. */
  async #post(body: JsonRpcMessage): Promise<StepResult> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    if (this.#sessionId) {
      headers["mcp-session-id"] = this.#sessionId;
      headers["mcp-protocol-version"] = LATEST_SESSION_REVISION;
    }
    const response = await fetch(this.#endpoint, { method: "POST", headers, body: JSON.stringify(body) });
    this.#sessionId ??= response.headers.get("mcp-session-id") ?? undefined;
    const messages: JsonRpcMessage[] = [];
    const type = mediaType(response.headers.get("content-type"));
    if (type === "text/event-stream" && response.body) {
      for await (const item of decodeSse(response.body)) {
        if (item.type === "event" && item.data !== "") messages.push(JSON.parse(item.data));
      }
    } else if (type === "application/json") {
      const value = await response.json();
      messages.push(...(Array.isArray(value) ? value : [value]));
    } else {
      await response.body?.cancel();
    }
    return { status: response.status, messages };
  }

  /** Counts a failure (and reports it) unless `result` is HTTP 200 with the result of request `id`. */
  #expectResult(step: string, result: StepResult, id: number): void {
    const response = result.messages.find((m) => "id" in m && m.id === id && !("method" in m));
    if (result.status !== 200 || !response || !("result" in response)) {
      this.failures++;
      this.#report(`  ✘ ${step}: no result (HTTP ${result.status})`);
    }
  }
}

function positiveInt(value: string, flag: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1) || n > 1000) {
    throw new UsageError(
      `${flag} must be ${allowZero ? "a whole number from 0" : "a whole number from 1"} to 1000 (got ${value})`,
    );
  }
  return n;
}
