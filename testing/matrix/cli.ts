/**
 * The era matrix's way of running mcpwire as users run it: `mcpwire reverse` as a child process of the
 * runtime running the tests (through `testing/cli_child.ts`), and the command line of `mcpwire forward`
 * that a stdio client spawns.
 *
 * @module
 */
import { type CliChild, cliCommand, LISTENING, startCli } from "../cli_child.ts";

/**
 * The command (the runtime's executable) and arguments that run `mcpwire <args>` from cli.ts.
 *
 * @example
 * ```ts
 * const { command, args } = mcpwireCommand(["forward", "http://127.0.0.1:3001/mcp"]);
 * ```
 */
export function mcpwireCommand(args: string[]): { command: string; args: string[] } {
  const [command, argv] = cliCommand(args);
  return { command, args: argv };
}

/**
 * Starts `mcpwire reverse --bind 127.0.0.1:0 <args>` and waits (30 s at most) for its `listening on URL`
 * line; `stop()` flushes its tape (SIGTERM).
 *
 * @throws {Error} When it exits or prints no endpoint in time (its stderr quoted).
 * @example
 * ```ts
 * const reverse = await startReverse(["--upstream", "http://127.0.0.1:3001/mcp"]);
 * await reverse.stop();
 * ```
 */
export function startReverse(args: string[]): Promise<CliChild> {
  return startCli(["reverse", "--bind", "127.0.0.1:0", ...args], LISTENING);
}
