/**
 * The conformance suite against a real 2026-07-28 server: the official TypeScript SDK 2.x `createMcpHandler`
 * served statelessly on node:http (`fixtures/real/sdk2_server.mjs`), in its default dual-era form (2025-era
 * traffic served by the SDK's stateless fallback) and modern-only (`legacy: "reject"`); plus T-BC-03 against
 * the 1.x SDK's stateful example, a legacy-only server. No false failures: every MUST holds on these servers.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { runConformance } from "./runner.ts";
import type { Report } from "./types.ts";
import { type HttpChild, ROOT, startHttpChild } from "../testing/e2e.ts";

const TIMEOUT_MS = 1_500;

function sdk2(env: Record<string, string> = {}): Promise<HttpChild> {
  return startHttpChild([`${ROOT}fixtures/real/sdk2_server.mjs`], { env });
}

function notPassing(report: Report, statuses = ["fail"]): string[] {
  return report.results.filter((r) => statuses.includes(r.status)).map((r) => `${r.revision} ${r.id}: ${r.message}`);
}

function statusOf(report: Report, id: string): string | undefined {
  return report.results.find((r) => r.id === id && r.revision === "2026-07-28")?.status;
}

describe("conformance of the SDK 2.x stateless server (createMcpHandler)", () => {
  const children: HttpChild[] = [];
  after(async () => {
    await Promise.all(children.map((c) => c.close()));
  });

  test("dual-era default: both eras detected on one URL, no MUST broken", { timeout: 60_000 }, async () => {
    const child = await sdk2();
    children.push(child);
    const report = await runConformance(new URL("/mcp", child.url).href, { timeoutMs: TIMEOUT_MS });
    assert.deepEqual(report.revisions, ["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"]);
    assert.deepEqual(notPassing(report), []);
    const modern = report.results.filter((r) => r.era === "modern");
    assert.ok(modern.length >= 24, `${modern.length} modern results`);
    assert.deepEqual(notPassing(report, ["fail", "warn"]).filter((r) => r.startsWith("2026")), []);
    for (const id of ["T-PV-09", "T-PV-10", "T-PV-11", "T-PV-13", "T-POST-12", "T-POST-13", "T-BC-04"]) {
      assert.equal(statusOf(report, id), "pass", id);
    }
    assert.equal(statusOf(report, "T-LIFE-05"), "skip", "initialize is served, so the server is not modern-only");
  });

  test(
    "modern-only (legacy: reject): detected by server/discover alone, no MUST broken",
    { timeout: 30_000 },
    async () => {
      const child = await sdk2({ LEGACY: "reject" });
      children.push(child);
      const report = await runConformance(new URL("/mcp", child.url).href, { timeoutMs: TIMEOUT_MS });
      assert.deepEqual(report.revisions, ["2026-07-28"]);
      assert.deepEqual(notPassing(report, ["fail", "warn"]), []);
      assert.equal(statusOf(report, "T-LIFE-05"), "pass");
      assert.equal(statusOf(report, "T-GET-06"), "pass");
    },
  );

  test("a legacy-only server (SDK 1.x stateful example) lets a dual-era client fall back (T-BC-03)", {
    timeout: 30_000,
  }, async () => {
    const child = await startHttpChild([`${ROOT}fixtures/real/sdk_server.mjs`], { env: { MODE: "stateful" } });
    children.push(child);
    const report = await runConformance(new URL("/mcp", child.url).href, {
      timeoutMs: TIMEOUT_MS,
      specVersions: ["2025-11-25"],
      only: ["T-BC-03"],
    });
    assert.deepEqual(report.results.map((r) => `${r.id} ${r.status}`), ["T-BC-03 pass"]);
  });
});
