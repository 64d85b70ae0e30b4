/**
 * Shared helpers for the conformance self-tests: fast options and a one-call runner against the fixtures.
 *
 * @module
 */
import { runConformance } from "../conformance/runner.ts";
import type { ConformanceOptions, Report } from "../conformance/types.ts";
import { createReferenceServer, type ReferenceOptions } from "../fixtures/servers/reference.ts";

/** Options that keep a self-test run short: 400 ms waits and a fast stream tool. */
export const FAST: ConformanceOptions = {
  timeoutMs: 400,
  streamTool: { name: "slow", args: { steps: 3, intervalMs: 15 } },
};

/** Runs the suite against an in-process reference server built from `server`. */
export function runAgainstReference(server: ReferenceOptions, options: ConformanceOptions = {}): Promise<Report> {
  const ref = createReferenceServer(server);
  return runConformance({ url: "http://reference.test/mcp", fetch: ref.fetch }, { ...FAST, ...options });
}
