/**
 * The mcpwire conformance suite: checks an MCP server's HTTP transport against the rules of 2024-11-05
 * (HTTP+SSE), 2025-03-26, 2025-06-18 and 2025-11-25, with evidence for every verdict.
 *
 * @example
 * ```ts
 * import { formatPretty, runConformance } from "./conformance/mod.ts";
 * const report = await runConformance("http://localhost:3001/mcp");
 * console.log(formatPretty(report));
 * ```
 *
 * @module
 */
export { runConformance } from "./runner.ts";
export { ALL_CHECKS } from "./checks/mod.ts";
export { Context, type Message, Reply, type Session, SkipError, TimeoutError } from "./context.ts";
export {
  formatEvidence,
  formatPretty,
  formatProgress,
  formatResult,
  formatVerdict,
  type PrettyOptions,
} from "./report/pretty.ts";
export { formatJson } from "./report/json.ts";
export { formatJunit } from "./report/junit.ts";
export { formatHtml } from "./report/html.ts";
export { type CliIo, CONFORMANCE_HELP, conformanceCommand } from "./cli.ts";
export * from "./types.ts";
