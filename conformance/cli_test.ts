import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { _parseArgs, conformanceCommand } from "./cli.ts";
import { createReferenceServer } from "../fixtures/servers/reference.ts";
import type { FetchLike } from "./types.ts";

function io(fetch?: FetchLike) {
  const out = { stdout: "", stderr: "", files: new Map<string, string>() };
  return {
    out,
    io: {
      stdout: (t: string) => void (out.stdout += t),
      stderr: (t: string) => void (out.stderr += t),
      writeFile: (path: string, text: string) => {
        out.files.set(path, text);
        return Promise.resolve();
      },
      isTTY: false,
      ...(fetch ? { fetch } : {}),
    },
  };
}

const FAST = ["--timeout", "400", "--stream-tool", "slow", "--stream-args", '{"steps":3,"intervalMs":15}'];

describe("mcpwire conformance command", () => {
  it("prints help and exits 0", async () => {
    const t = io();
    assert.equal(await conformanceCommand(["--help"], t.io), 0);
    assert.match(t.out.stdout, /Usage: mcpwire conformance <url>/);
    assert.match(t.out.stdout, /--spec-version/);
  });

  it("accepts several values after --spec-version and --only", () => {
    const parsed = _parseArgs([
      "http://x/mcp",
      "--spec-version",
      "2025-03-26",
      "2025-06-18",
      "--only",
      "T-SESS",
      "T-PV-02",
      "--strict",
    ]);
    assert.deepEqual(parsed.options.specVersions, ["2025-03-26", "2025-06-18"]);
    assert.deepEqual(parsed.options.only, ["T-SESS", "T-PV-02"]);
    assert.equal(parsed.options.strict, true);
    assert.equal(parsed.url, "http://x/mcp");
    const headers =
      _parseArgs(["--header", "Authorization: Bearer a:b", "http://x/mcp", "--header=X-One: 1"]).options.headers;
    assert.deepEqual(headers, { authorization: "Bearer a:b", "x-one": "1" });
    assert.equal(_parseArgs(["http://x/mcp", "--low-scope-token", "t0"]).options.lowScopeToken, "t0");
  });

  it("rejects bad arguments with exit code 2 and a sentence-case message", async () => {
    for (
      const argv of [
        [],
        ["http://x/mcp", "--format", "xml"],
        ["http://x/mcp", "--spec-version", "2020-01-01"],
        ["http://x/mcp", "--bogus"],
        ["not a url"],
        ["http://x/mcp", "--header", "nocolon"],
        ["http://x/mcp", "--stream-args", "[1]"],
      ]
    ) {
      const t = io();
      assert.equal(await conformanceCommand(argv, t.io), 2, argv.join(" "));
      assert.match(t.out.stderr, /mcpwire conformance: [A-Za-z]/);
    }
  });

  it("passes the reference server with exit code 0 and a one-line verdict", { timeout: 30_000 }, async () => {
    const t = io(createReferenceServer().fetch);
    const code = await conformanceCommand(["http://ref.test/mcp", "--spec-version", "2025-06-18", ...FAST], t.io);
    assert.equal(code, 0);
    assert.match(t.out.stdout, /^2025-06-18$/m);
    assert.ok(t.out.stdout.includes("\n  sessions\n"));
    assert.match(t.out.stdout, /✔ T-SESS-06 /);
    assert.match(t.out.stdout, /^PASS — no MUST requirement broken/m);
    assert.match(t.out.stderr, /checking 2025-06-18/);
    assert.ok(!t.out.stdout.includes("\u001b["), "no colour codes when not a terminal");
  });

  it("exits 1 on a MUST failure and explains it with evidence", { timeout: 30_000 }, async () => {
    const t = io(createReferenceServer({ knobs: { unknownSession400: true } }).fetch);
    const code = await conformanceCommand([
      "http://ref.test/mcp",
      "--spec-version=2025-11-25",
      "--only",
      "T-SESS",
      ...FAST,
    ], t.io);
    assert.equal(code, 1);
    assert.match(t.out.stdout, /✘ T-SESS-06 .*\[MUST\]/);
    assert.match(t.out.stdout, /expected: HTTP 404/);
    assert.match(t.out.stdout, /← HTTP 400/);
    assert.match(t.out.stdout, /^FAIL — 1 MUST rule broken: T-SESS-06/m);
  });

  it("exits 0 on a SHOULD failure, and --strict fails debated rows", { timeout: 30_000 }, async () => {
    const fetch = createReferenceServer({ knobs: { acceptBatchesAlways: true, putNotFound: true } }).fetch;
    const lenient = io(fetch);
    assert.equal(
      await conformanceCommand([
        "http://ref.test/mcp",
        "--spec-version",
        "2025-06-18",
        "--only",
        "T-BATCH,T-EP-03",
        ...FAST,
      ], lenient.io),
      0,
    );
    assert.match(lenient.out.stdout, /! T-EP-03/);
    assert.match(lenient.out.stdout, /i T-BATCH-05/);
    const strict = io(fetch);
    assert.equal(
      await conformanceCommand([
        "http://ref.test/mcp",
        "--spec-version",
        "2025-06-18",
        "--only",
        "T-BATCH",
        "--strict",
        ...FAST,
      ], strict.io),
      1,
    );
  });

  it("colours rows and rewrites one progress line on a terminal", { timeout: 30_000 }, async () => {
    const t = io(createReferenceServer({ knobs: { putNotFound: true } }).fetch);
    t.io.isTTY = true;
    await conformanceCommand(["http://ref.test/mcp", "--spec-version", "2025-03-26", "--only", "T-EP", ...FAST], t.io);
    assert.ok(t.out.stdout.includes("\u001b[32m✔\u001b[0m T-EP-01"));
    assert.ok(t.out.stdout.includes("\u001b[33m!\u001b[0m T-EP-03"));
    assert.ok(t.out.stderr.includes("\r\u001b[2K"));
  });

  it("writes JSON and JUnit reports to --output", { timeout: 30_000 }, async () => {
    const fetch = createReferenceServer({ knobs: { notification200: true } }).fetch;
    const t = io(fetch);
    await conformanceCommand([
      "http://ref.test/mcp",
      "--spec-version",
      "2025-03-26",
      "--only",
      "T-POST-03,T-SEC",
      "--format",
      "json",
      "--output",
      "r.json",
      "--header",
      "X-Test: yes",
      ...FAST,
    ], t.io);
    const report = JSON.parse(t.out.files.get("r.json")!);
    assert.equal(report.schema, "mcpwire.conformance/1");
    assert.equal(report.verdict, "fail");
    const row = report.results.find((r: { id: string }) => r.id === "T-POST-03");
    assert.equal(row.status, "fail");
    assert.equal(row.evidence[0].request.headers["x-test"], "yes");
    assert.equal(row.evidence[0].response.status, 200);
    const j = io(fetch);
    await conformanceCommand([
      "http://ref.test/mcp",
      "--spec-version",
      "2025-03-26",
      "--only",
      "T-POST-03,T-SEC",
      "--format",
      "junit",
      ...FAST,
    ], j.io);
    const xml = j.out.stdout;
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    assert.match(xml, /<testsuite name="2025-03-26 endpoint" tests="1" failures="1"/);
    assert.match(
      xml,
      /<testcase classname="endpoint" name="T-POST-03 An accepted notification gets 202 with an empty body"/,
    );
    assert.match(xml, /<failure message="notifications\/initialized answered 200" type="MUST">/);
    assert.match(xml, /<skipped message="no Authorization header/);
    assert.equal((xml.match(/<testcase /g) ?? []).length, (xml.match(/<\/testcase>|<testcase [^>]*\/>/g) ?? []).length);
  });
});
