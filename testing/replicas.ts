/**
 * mcpwire replicas for scale-out tests: `mcpwire reverse` started as the README runs it (on the runtime
 * running the test, so `deno test` covers Deno and `bun test` covers Bun), each on its own free loopback
 * port, killable with any signal.
 *
 * @module
 */
import { type CliChild, LISTENING, startCli } from "./cli_child.ts";

/** One running `mcpwire reverse` process. */
export interface Replica extends CliChild {
  /** `127.0.0.1:<port>`, as a balancer names it. */
  address: string;
}

/**
 * Starts `mcpwire reverse --bind 127.0.0.1:0 <args>` (through `cli_child.ts`) and waits for its
 * "listening on" line.
 *
 * @throws {Error} When it exits or does not listen within `timeoutMs`.
 */
export async function startReplica(args: string[], timeoutMs = 20_000): Promise<Replica> {
  const child = await startCli(["reverse", "--bind", "127.0.0.1:0", ...args], LISTENING, { timeoutMs });
  return { ...child, address: child.endpoint.host };
}
