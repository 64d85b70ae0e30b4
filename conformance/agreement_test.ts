/**
 * Agreement with the official MCP conformance suite: both suites judge the same servers — the 2025 and
 * 2026-07-28 reference fixtures served on loopback, fault knobs that map to official checks, server-everything
 * as users start it, and the SDK example servers — and every official check is compared with our rules through
 * `conformance/official_map.ts`. A disagreement that is not a documented known disagreement fails the test.
 *
 * The official CLI (0.1.16 for the 2025 revisions, 0.2.0-alpha for 2026-07-28) always runs under Bun; our
 * suite runs in process on the test's runtime, with the `fetch` the `mcpwire conformance` command uses.
 * `MCPWIRE_AGREEMENT_RESULTS=FILE` writes the per-target counts as a Markdown table.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import nodeProcess from "node:process";
import { runConformance } from "./runner.ts";
import type { Report, SuiteRevision } from "./types.ts";
import { OFFICIAL_MAP, OFFICIAL_SCENARIOS, type OfficialScenario } from "./official_map.ts";
import { pool } from "./pool.ts";
import { type AgreementRow, compare, type OfficialResult, runOfficial } from "../testing/official.ts";
import { ROOT, startHttpChild } from "../testing/e2e.ts";
import { createReferenceServer, type Knobs } from "../fixtures/servers/reference.ts";
import { createModernServer, type ModernKnobs } from "../fixtures/servers/modern.ts";
import { serve } from "../lib/runtime/serve.ts";
import { fetchWithHost } from "../lib/runtime/mod.ts";

const RESULTS = nodeProcess.env.MCPWIRE_AGREEMENT_RESULTS;
/** Official scenario runs under way at once (each is a Bun process; the machine has 2 cores). */
const OFFICIAL_CONCURRENCY = 4;
/** Targets checked at once. */
const TARGET_CONCURRENCY = 3;

interface Started {
  /** The MCP endpoint URL. */
  url: string;
  close(): Promise<void>;
}

interface Target {
  name: string;
  /** Which revisions' official scenarios apply: the 2025 ones, 2026-07-28, or both. */
  era: "2025" | "2026" | "both";
  /** Only these scenarios (a knob target runs the ones its knob concerns). @default every one of its era */
  scenarios?: string[];
  start(): Promise<Started>;
}

async function served(handler: (req: Request) => Promise<Response>): Promise<Started> {
  const server = await serve(handler, { hostname: "127.0.0.1", port: 0 });
  return { url: new URL("/mcp", server.url).href, close: () => server.close() };
}

async function child(args: string[], env: Record<string, string> = {}, command?: string): Promise<Started> {
  const c = await startHttpChild(args, { env, ...(command ? { command } : {}) });
  return { url: new URL("/mcp", c.url).href, close: () => c.close() };
}

function knob2025(knob: keyof Knobs, scenarios: string[]): Target {
  return {
    name: `2025 reference, knob ${knob}`,
    era: "2025",
    scenarios,
    start: () => served(createReferenceServer({ knobs: { [knob]: true } }).handler),
  };
}

function knob2026(knob: keyof ModernKnobs, scenarios: string[]): Target {
  return {
    name: `2026-07-28 reference, knob ${knob}`,
    era: "2026",
    scenarios,
    start: () => served(createModernServer({ knobs: { [knob]: true } }).handler),
  };
}

const LIFECYCLE = ["server-session-lifecycle"];
const STATELESS = ["server-stateless"];
const HEADERS = ["http-header-validation"];
const CUSTOM = ["http-custom-header-server-validation"];

const TARGETS: Target[] = [
  { name: "2025 reference", era: "2025", start: () => served(createReferenceServer().handler) },
  { name: "2026-07-28 reference", era: "2026", start: () => served(createModernServer().handler) },
  knob2025("noHostCheck", ["dns-rebinding-protection"]),
  knob2025("noOriginCheck", ["dns-rebinding-protection"]),
  knob2025("notification200", LIFECYCLE),
  knob2025("unknownSession400", LIFECYCLE),
  knob2025("deleteStatus400", LIFECYCLE),
  knob2025("sessionIdWithSpace", ["server-initialize"]),
  knob2025("noPrimingEvent", ["server-sse-polling"]),
  knob2025("singleStreamOnly", ["server-sse-multiple-streams"]),
  knob2026("noHostCheck", ["dns-rebinding-protection"]),
  knob2026("ignoreVersionMismatch", STATELESS),
  knob2026("badUnsupportedError", STATELESS),
  knob2026("acceptMissingMeta", STATELESS),
  knob2026("discoverNoVersions", STATELESS),
  knob2026("unknownMethod200", STATELESS),
  knob2026("errorIdWrong", STATELESS),
  knob2026("versionHeaderOptional", HEADERS),
  knob2026("noMethodHeaderCheck", HEADERS),
  knob2026("noNameHeaderCheck", HEADERS),
  knob2026("noBase64Decode", CUSTOM),
  knob2026("noParamHeaderCheck", CUSTOM),
  knob2026("lenientBase64", CUSTOM),
  {
    name: "server-everything",
    era: "2025",
    // As its README runs it (`npx @modelcontextprotocol/server-everything streamableHttp`): the package's bin.
    start: () => child(["streamableHttp"], {}, `${ROOT}node_modules/.bin/mcp-server-everything`),
  },
  ...["stateful", "stateless", "json"].map((mode): Target => ({
    name: `SDK 1.x example, ${mode}`,
    era: "2025",
    start: () => child([`${ROOT}fixtures/real/sdk_server.mjs`], { MODE: mode }),
  })),
  { name: "SDK 2.x createMcpHandler", era: "both", start: () => child([`${ROOT}fixtures/real/sdk2_server.mjs`]) },
];

/** The official scenario runs that apply to a target. */
function runsFor(target: Target): OfficialScenario[] {
  return OFFICIAL_SCENARIOS.filter((run) => {
    const modern = run.specVersion === "2026-07-28";
    if (target.era === "2025" && modern) return false;
    if (target.era === "2026" && !modern) return false;
    return !target.scenarios || target.scenarios.includes(run.scenario);
  });
}

/** Our suite on the same target: only the mapped rules, only the revisions the official runs use. */
function ours(url: string, runs: OfficialScenario[]): Promise<Report> {
  const scenarios = new Set(runs.map((r) => r.scenario));
  const rules = [...new Set(OFFICIAL_MAP.filter((m) => scenarios.has(m.scenario)).map((m) => m.rule))];
  const specVersions = [...new Set(runs.map((r) => r.specVersion))] as SuiteRevision[];
  return runConformance({ url, fetch: fetchWithHost }, { specVersions, only: rules, timeoutMs: 5_000 });
}

/** Per-target counts, for the results table. */
function totals(rows: AgreementRow[]): { agree: number; explained: number; unexplained: number; oneSided: number } {
  const count = (o: AgreementRow["outcome"]) => rows.filter((r) => r.outcome === o).length;
  return {
    agree: count("agree"),
    explained: count("explained"),
    unexplained: count("unexplained"),
    oneSided: count("one-sided"),
  };
}

describe("agreement with the official conformance suite", () => {
  const rows: AgreementRow[] = [];
  const failures: string[] = [];

  after(() => {
    if (!RESULTS) return;
    const lines = [
      "| target | official runs | agree | disagree, explained | one side only |",
      "|---|---|---|---|---|",
      ...TARGETS.map((t) => {
        const mine = rows.filter((r) => r.target === t.name);
        const c = totals(mine);
        return `| ${t.name} | ${runsFor(t).length} | ${c.agree} | ${c.explained} | ${c.oneSided} |`;
      }),
    ];
    writeFileSync(RESULTS, lines.join("\n") + "\n");
  });

  test("every official check agrees with ours, or the disagreement is documented", { timeout: 300_000 }, async () => {
    await pool(TARGETS.length, TARGET_CONCURRENCY, async (t) => {
      const target = TARGETS[t]!;
      const started = await target.start();
      try {
        const runs = runsFor(target);
        const official: OfficialResult[] = [];
        // Ours first, then the official runs: neither suite's probes load the server while the other waits.
        const report = await ours(started.url, runs);
        await pool(runs.length, OFFICIAL_CONCURRENCY, async (i) => {
          const run = runs[i]!;
          try {
            official.push({ run, checks: await runOfficial(started.url, run) });
          } catch (error) {
            failures.push(`${target.name} ${run.suite} ${run.scenario}: ${(error as Error).message}`);
          }
        });
        // One comparison per release and revision: a rule's official verdict combines that release's checks.
        const groups = new Map<string, OfficialResult[]>();
        for (const r of official) {
          const key = `${r.run.suite} ${r.run.specVersion}`;
          groups.set(key, [...groups.get(key) ?? [], r]);
        }
        for (const group of groups.values()) rows.push(...compare(target.name, group, report));
      } finally {
        await started.close();
      }
    });
    const unexplained = rows.filter((r) => r.outcome === "unexplained");
    assert.deepEqual(failures, [], "every official run produced results");
    assert.deepEqual(
      unexplained.map((r) => `${r.target} | ${r.suite}@${r.specVersion} | ${r.rule}: ${r.detail}`),
      [],
    );
    // The comparison can fail: the knobs that break a mapped rule are seen broken by both suites.
    const agreed = (target: string, rule: string) =>
      rows.some((r) => r.target === target && r.rule === rule && r.outcome === "agree" && r.ours === "problem");
    assert.ok(agreed("2026-07-28 reference, knob noHostCheck", "T-SEC-04"));
    assert.ok(agreed("2025 reference, knob unknownSession400", "T-SESS-06"));
    assert.ok(agreed("2026-07-28 reference, knob noMethodHeaderCheck", "T-PV-09"));
    assert.ok(agreed("server-everything", "T-SEC-04"));
    assert.ok(rows.filter((r) => r.outcome === "agree").length > 60, `${rows.length} rows`);
  });
});
