#!/usr/bin/env -S deno run -A
/**
 * The mcpwire command line: `deno run -A cli.ts <command> …` or `bun cli.ts <command> …`.
 *
 * This file picks the runtime adapter and dispatches to the command modules in `lib/cli/`.
 *
 * @module
 */
import { relaunchForBun, runtime } from "./lib/runtime/mod.ts";
import { reverseCommand } from "./lib/cli/reverse.ts";
import { authCommand } from "./lib/cli/auth.ts";
import { demoCommand } from "./lib/cli/demo.ts";
import { forwardCommand } from "./lib/cli/forward.ts";
import { rulesCommand } from "./lib/cli/rules.ts";
import { tapeCommand } from "./lib/cli/tape.ts";
import { replayCommand } from "./lib/cli/replay.ts";
import { conformanceCommand } from "./lib/cli/conformance.ts";

/** The version printed by `mcpwire --version`. */
export const VERSION = "0.1.0";

const USAGE = `mcpwire ${VERSION}: proxy, shape and check Model Context Protocol traffic over HTTP

Usage: mcpwire <command> [options]

Commands:
  conformance   check an MCP server's HTTP transport against every protocol revision
  auth          hash an API key for reverse --api-key-file
  demo          run a bundled MCP server behind the reverse proxy and watch a scripted session
  forward       be a stdio MCP server that forwards to an MCP server (URL or stdio command)
  reverse       serve a Streamable HTTP endpoint in front of an MCP server (URL or stdio command)
  rules         check rules files (rules shape traffic: reverse --rules FILE)
  tape          show a recorded session (reverse --record FILE) as a timeline
  replay        serve a tape as a mock MCP server, or replay it against a server and diff

Run "mcpwire <command> --help" for the options of a command.
Run with Deno: deno run -A cli.ts <command>    with Bun: bun cli.ts <command>
`;

type Command = (argv: string[], rt: typeof runtime) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  auth: authCommand,
  conformance: conformanceCommand,
  demo: demoCommand,
  forward: forwardCommand,
  reverse: reverseCommand,
  rules: rulesCommand,
  tape: tapeCommand,
  replay: replayCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    await runtime.writeStdout(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    await runtime.writeStdout(`mcpwire ${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    runtime.writeStderr(`mcpwire: unknown command ${name}\n\n${USAGE}`);
    return 2;
  }
  return await command(rest, runtime);
}

if (import.meta.main) {
  // Bun: start again with its fetch connection cap raised (it is read only at process start); see
  // lib/runtime/relaunch.ts and docs/limits.md.
  const relaunched = relaunchForBun();
  if (relaunched) runtime.exit(await relaunched);
  try {
    runtime.exit(await main(runtime.args()));
  } catch (error) {
    runtime.writeStderr(`mcpwire: ${error instanceof Error ? error.message : String(error)}\n`);
    runtime.exit(1);
  }
}
