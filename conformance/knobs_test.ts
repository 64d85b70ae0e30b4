import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ALL_CHECKS } from "./checks/mod.ts";
import { runConformance } from "./runner.ts";
import { FAST, runAgainstReference } from "../testing/conformance.ts";
import { KNOB_NAMES, type Knobs } from "../fixtures/servers/reference.ts";
import { createLegacyServer, type LegacyKnobs } from "../fixtures/servers/legacy.ts";
import type { Report, SuiteRevision } from "./types.ts";
import { MODERN_CASES } from "../testing/modern_cases.ts";

interface Case {
  knob: keyof Knobs;
  check: string;
  revision?: SuiteRevision;
  /** The row is silent or debated: it fails only under --strict. */
  strict?: boolean;
  /** Other MUST checks the same fault legitimately breaks. */
  alsoFails?: string[];
  /** SHOULD/MAY checks that cannot hold either once the knob's rule is broken (they warn). */
  alsoWarns?: string[];
  auth?: boolean;
}

/** One knob per rule; `alsoFails` lists the few MUST rules that cannot hold once the knob's rule is broken. */
const CASES: Case[] = [
  { knob: "getNotFound", check: "T-EP-01", alsoFails: ["T-GET-01"], alsoWarns: ["T-RES-05"] },
  { knob: "putNotFound", check: "T-EP-03" },
  { knob: "ignoreAccept", check: "T-POST-02" },
  { knob: "notification200", check: "T-POST-03" },
  { knob: "acceptUnknownSessionNotification", check: "T-POST-04" },
  { knob: "jsonAsTextPlain", check: "T-POST-05" },
  { knob: "sseForeignResponse", check: "T-POST-06", alsoWarns: ["T-MULTI-02"] },
  { knob: "sseStayOpen", check: "T-POST-07" },
  {
    knob: "sseCloseBeforeResponse",
    check: "T-POST-08",
    revision: "2025-06-18",
    alsoWarns: ["T-POST-06", "T-MULTI-02"],
  },
  { knob: "latin1Echo", check: "T-POST-14" },
  { knob: "parseError200", check: "T-RPC-01" },
  { knob: "lenientJsonRpc", check: "T-RPC-02" },
  { knob: "acceptNullId", check: "T-RPC-03", strict: true },
  { knob: "unknownMethod404", check: "T-RPC-04" },
  { knob: "errorIdWrong", check: "T-RPC-06" },
  { knob: "answerNotifications", check: "T-RPC-07" },
  { knob: "rejectBatches", check: "T-BATCH-01", revision: "2025-03-26", alsoFails: ["T-BATCH-02"] },
  { knob: "notificationBatch200", check: "T-BATCH-02", revision: "2025-03-26" },
  { knob: "initInBatch", check: "T-BATCH-04", revision: "2025-03-26", strict: true },
  { knob: "acceptBatchesAlways", check: "T-BATCH-05", strict: true },
  { knob: "emptyBatch202", check: "T-BATCH-06", revision: "2025-03-26" },
  { knob: "getWithoutSession400", check: "T-GET-01", strict: true },
  { knob: "responsesOnGet", check: "T-GET-03" },
  { knob: "progressOnGet", check: "T-GET-04" },
  { knob: "getCloseNoRetry", check: "T-GET-05" },
  { knob: "broadcastListChanged", check: "T-MULTI-01" },
  { knob: "singleStreamOnly", check: "T-MULTI-02" },
  { knob: "perStreamCounterIds", check: "T-RES-01", alsoFails: ["T-RES-03"] },
  // A lost, ignored or cancelled resumption is one observation seen by T-RES-02, T-RES-05 and T-POST-09.
  { knob: "resumeLosesResponse", check: "T-RES-02", alsoWarns: ["T-RES-05", "T-POST-09"] },
  { knob: "replayAllStreams", check: "T-RES-03" },
  { knob: "noPrimingEvent", check: "T-RES-04" },
  { knob: "resumeNotSupported", check: "T-RES-05", alsoWarns: ["T-RES-02", "T-POST-09"] },
  { knob: "bogusLastEventId500", check: "T-RES-08" },
  { knob: "disconnectCancels", check: "T-POST-09", alsoWarns: ["T-RES-02", "T-RES-05"] },
  { knob: "rotateSessionId", check: "T-SESS-01" },
  { knob: "sessionIdWithSpace", check: "T-SESS-02" },
  { knob: "sequentialSessionIds", check: "T-SESS-03" },
  // Served without a session, a modern server/discover gets 200 with -32601: no 4xx to fall back on (T-BC-03).
  { knob: "noSessionRequired", check: "T-SESS-05", alsoWarns: ["T-BC-03"] },
  { knob: "unknownSession400", check: "T-SESS-06" },
  { knob: "reinitLiveSession", check: "T-SESS-09", strict: true },
  { knob: "deleteStatus400", check: "T-SESS-08" },
  { knob: "acceptAnyVersionHeader", check: "T-PV-02" },
  { knob: "requireVersionHeader", check: "T-PV-03" },
  { knob: "rejectUnknownVersion", check: "T-LIFE-01" },
  { knob: "earlyRequest", check: "T-LIFE-02" },
  { knob: "ignoreCancellation", check: "T-LIFE-04" },
  { knob: "noOriginCheck", check: "T-SEC-01", alsoFails: ["T-SEC-02"] },
  { knob: "origin400", check: "T-SEC-02" },
  { knob: "noHostCheck", check: "T-SEC-04" },
  { knob: "noWwwAuthenticate", check: "T-SEC-06", auth: true },
  { knob: "challengeUnparseable", check: "T-SEC-06", auth: true },
  { knob: "metadataMissing", check: "T-SEC-06", auth: true },
  { knob: "metadataWrongResource", check: "T-SEC-06", auth: true },
  { knob: "metadataNoAuthServers", check: "T-SEC-06", auth: true },
  { knob: "scopeDenied401", check: "T-SEC-06", auth: true },
  { knob: "scopeDeniedNoChallenge", check: "T-SEC-06", auth: true },
  { knob: "sessionAsAuth", check: "T-SEC-07", auth: true },
  { knob: "rejectCharsetParam", check: "T-CT-01" },
  { knob: "acceptTextPlain", check: "T-CT-01", strict: true },
  { knob: "sseEventName", check: "T-CT-03" },
];

const LEGACY_CASES: { knob: keyof LegacyKnobs; check: string }[] = [
  { knob: "wrongContentType", check: "T-LEG-01" },
  { knob: "noEndpointEvent", check: "T-LEG-02" },
  { knob: "crossOriginEndpoint", check: "T-LEG-02" },
  { knob: "responseInPostBody", check: "T-LEG-03" },
  { knob: "noOriginCheck", check: "T-LEG-04" },
  { knob: "postToSseUrl200", check: "T-BC-01" },
  { knob: "rejectUnknownVersion", check: "T-LIFE-01" },
];

function revisionFor(c: Case): SuiteRevision {
  if (c.revision) return c.revision;
  const check = ALL_CHECKS.find((x) => x.id === c.check);
  assert.ok(check, `no check ${c.check}`);
  return check.revisions[check.revisions.length - 1]!;
}

function mustFailures(report: Report): string[] {
  return [...new Set(report.results.filter((r) => r.status === "fail").map((r) => r.id))].sort();
}

async function runCase(c: Case): Promise<string[]> {
  const problems: string[] = [];
  const revision = revisionFor(c);
  const report = await runAgainstReference(
    { knobs: { [c.knob]: true }, ...(c.auth ? { auth: "secret" } : {}) },
    {
      specVersions: [revision],
      strict: c.strict ?? false,
      ...(c.auth ? { headers: { authorization: "Bearer secret" }, lowScopeToken: "secret:low" } : {}),
    },
  );
  const own = report.results.find((r) => r.id === c.check);
  const level = ALL_CHECKS.find((x) => x.id === c.check)!.level;
  const wanted = level === "MUST" || c.strict ? "fail" : "warn";
  if (own?.status !== wanted) {
    problems.push(`${c.knob}: ${c.check} is ${own?.status} (${own?.message}), expected ${wanted}`);
  }
  const allowed = new Set([c.check, ...(c.alsoFails ?? [])]);
  const extra = mustFailures(report).filter((id) => !allowed.has(id));
  if (extra.length > 0) problems.push(`${c.knob}: other checks fail too: ${extra.join(", ")}`);
  const mayWarn = new Set([...allowed, ...(c.alsoWarns ?? [])]);
  const warned = report.results.filter((r) => r.status === "warn" && !mayWarn.has(r.id)).map((r) => r.id);
  if (warned.length > 0) problems.push(`${c.knob}: unexpected warnings: ${warned.join(", ")}`);
  if (c.strict) {
    const lenient = await runAgainstReference({ knobs: { [c.knob]: true } }, { specVersions: [revision] });
    if (lenient.exitCode !== 0) problems.push(`${c.knob}: without --strict the run fails (${mustFailures(lenient)})`);
  }
  return problems;
}

describe("fault knobs", () => {
  it("every reference knob has a case and every check has a knob", () => {
    assert.deepEqual([...new Set(CASES.map((c) => c.knob))].sort(), [...KNOB_NAMES].sort());
    const covered = new Set([...CASES, ...LEGACY_CASES, ...MODERN_CASES].map((c) => c.check));
    const missing = ALL_CHECKS.filter((c) => !covered.has(c.id)).map((c) => c.id);
    assert.deepEqual(missing, []);
  });

  it("each knob fails its own check and only the checks declared with it", { timeout: 60_000 }, async () => {
    const problems: string[] = [];
    for (let i = 0; i < CASES.length; i += 10) {
      const batch = await Promise.all(CASES.slice(i, i + 10).map(runCase));
      problems.push(...batch.flat());
    }
    assert.deepEqual(problems, []);
  });

  it("each legacy knob fails its own check and only that one", { timeout: 30_000 }, async () => {
    const problems: string[] = [];
    for (const c of LEGACY_CASES) {
      const server = createLegacyServer({ knobs: { [c.knob]: true } });
      const report = await runConformance({ url: "http://legacy.test/sse", fetch: server.fetch }, {
        ...FAST,
        specVersions: ["2024-11-05"],
      });
      const own = report.results.find((r) => r.id === c.check);
      const wanted = own?.level === "MUST" ? "fail" : "warn";
      if (own?.status !== wanted) problems.push(`${c.knob}: ${c.check} is ${own?.status}, expected ${wanted}`);
      const extra = mustFailures(report).filter((id) => id !== c.check);
      if (extra.length > 0) problems.push(`${c.knob}: other checks fail too: ${extra.join(", ")}`);
    }
    assert.deepEqual(problems, []);
  });
});
