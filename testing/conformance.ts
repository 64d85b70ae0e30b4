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

/** The URL in-process runs use: a loopback one, so T-SEC-04 (Host validation on local servers) runs too. */
export const REFERENCE_URL = "http://127.0.0.1:3001/mcp";

/** Runs the suite against an in-process reference server built from `server`, at {@link REFERENCE_URL}. */
export function runAgainstReference(server: ReferenceOptions, options: ConformanceOptions = {}): Promise<Report> {
  const ref = createReferenceServer(server);
  return runConformance({ url: REFERENCE_URL, fetch: ref.fetch }, { ...FAST, ...options });
}
