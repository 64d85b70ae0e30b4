/**
 * Starts `mcpwire` from `cli.ts` exactly as the README runs it, on the runtime running the test (so
 * `deno test` covers Deno and `bun test` covers Bun), optionally under `ulimit -n`, and finds the descendant
 * processes it spawned (stdio children) through `/proc`.
 *
 * @module
 */
import { type CliChild, LISTENING, startCli as startChild } from "./cli_child.ts";

/** A running `mcpwire` process (a {@linkcode CliChild}) with the URL it logged as `base`. */
export interface CliProcess extends CliChild {
  /** The URL it logged (`listening on …`). */
  base: URL;
}

/**
 * Starts `mcpwire ARGS…` (through `cli_child.ts`) and waits for its `listening on` line.
 *
 * @param args e.g. `["reverse", "--bind", "127.0.0.1:0", "--upstream", url]`.
 * @param ulimit An open-file limit to start it under.
 * @throws {Error} When it exits or does not listen in time (its stderr in the message).
 */
export async function startCli(args: string[], ulimit?: number): Promise<CliProcess> {
  const child = await startChild(args, LISTENING, { timeoutMs: 20_000, ...(ulimit === undefined ? {} : { ulimit }) });
  return { ...child, base: child.endpoint };
}

export { descendants } from "./cli_child.ts";
