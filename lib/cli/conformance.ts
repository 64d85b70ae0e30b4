/**
 * `mcpwire conformance`: the conformance suite's command (`conformance/cli.ts`) wired to the runtime.
 *
 * @module
 */
import { fetchWithHost, type Runtime } from "../runtime/mod.ts";
import { conformanceCommand as runCommand } from "../../conformance/cli.ts";

/**
 * Runs `mcpwire conformance <url> [options]` (see `conformance/cli.ts` for the options).
 *
 * @returns 1 when any MUST check fails, 2 for a usage error, 0 otherwise.
 */
export async function conformanceCommand(argv: string[], rt: Runtime): Promise<number> {
  const writes: Promise<void>[] = [];
  const code = await runCommand(argv, {
    stdout: (text) => void writes.push(rt.writeStdout(text)),
    stderr: (text) => rt.writeStderr(text),
    writeFile: (path, text) => rt.writeTextFile(path, text),
    isTTY: rt.stdoutIsTTY(),
    stderrIsTTY: rt.stderrIsTTY(),
    // T-SEC-04 sends a foreign Host, which Deno's fetch would replace.
    fetch: fetchWithHost,
  });
  await Promise.all(writes);
  return code;
}
