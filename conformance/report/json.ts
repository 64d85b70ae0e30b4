/**
 * The JSON report: the {@link Report} object as returned by `runConformance`, pretty-printed. The format is
 * documented in `docs/conformance.md` and versioned by its `schema` field (`mcpwire.conformance/1`).
 *
 * @module
 */
import type { Report } from "../types.ts";

/**
 * Serializes `report` as indented JSON with a trailing newline.
 *
 * @example
 * ```ts
 * await io.writeFile("report.json", formatJson(report));
 * ```
 */
export function formatJson(report: Report): string {
  return JSON.stringify(report, null, 2) + "\n";
}
