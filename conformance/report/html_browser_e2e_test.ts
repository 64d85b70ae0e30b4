/**
 * The HTML report in real headless Chromium: `mcpwire conformance URL --format json --output r.json
 * --report r.html` (cli.ts, as the README runs it) against server-everything; the page opens from the file
 * alone with no console error, and its totals, per-revision summary and check rows match the JSON report.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type HttpChild, startEverything } from "../../testing/e2e.ts";
import { runCli } from "../../testing/cli_child.ts";
import { type BrowserPage, openBrowser } from "../../testing/browser.ts";
import type { Report } from "../types.ts";

const T = { timeout: 120_000 };

describe("the HTML conformance report in headless Chromium", T, () => {
  let everything: HttpChild;
  let b: BrowserPage;
  let report: Report;
  const dir = mkdtempSync(join(tmpdir(), "mcpwire-report-"));
  const html = join(dir, "report.html");

  before(async () => {
    everything = await startEverything("streamableHttp");
    b = await openBrowser();
  });

  // The run takes longer than Bun allows a hook (5 s), so it is a test of its own.
  test("mcpwire conformance writes the JSON and the HTML report", T, () => {
    const json = join(dir, "report.json");
    const url = new URL("/mcp", everything.url).href;
    const run = runCli([
      "conformance",
      url,
      "--spec-version",
      "2025-11-25",
      "--format",
      "json",
      "--output",
      json,
      "--report",
      html,
    ]);
    assert.ok(run.code === 0 || run.code === 1, run.stderr);
    assert.match(run.stderr, /HTML report written to/);
    report = JSON.parse(readFileSync(json, "utf8"));
  });

  after(async () => {
    await b?.close();
    await everything?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("renders from the file alone, counts matching the JSON report", T, async () => {
    await b.page.goto(pathToFileURL(html).href, { waitUntil: "load" });
    assert.ok(report.results.length > 0);
    const totals = await b.page.$$eval(
      "#totals [data-status]",
      (els) => Object.fromEntries(els.map((e) => [e.getAttribute("data-status"), Number(e.textContent)])),
    );
    for (const [status, n] of Object.entries(report.totals)) assert.equal(totals[status], n, status);
    const rows = await b.page.$$eval(
      "details.check",
      (els) => els.map((e) => [e.getAttribute("data-id"), e.getAttribute("data-status")]),
    );
    assert.deepEqual(rows, report.results.map((r) => [r.id, r.status]));
    const byRevision = await b.page.$$eval(
      'table[data-by="revision"] tbody tr td[data-status="pass"]',
      (tds) => tds.map((td) => Number(td.textContent)),
    );
    assert.deepEqual(byRevision, [report.results.filter((r) => r.status === "pass").length]);
    assert.equal(await b.page.$eval("#verdict", (e) => e.getAttribute("data-verdict")), report.verdict);
    assert.deepEqual(b.errors, []);
  });

  test("each check shows its rule, spec reference and the exchange that decided it", T, async () => {
    const withEvidence = report.results.find((r) => r.evidence.length > 0)!;
    const text = await b.page.$eval(`details.check[data-id="${withEvidence.id}"]`, (e) => e.textContent ?? "");
    assert.ok(text.includes(withEvidence.specRef));
    assert.ok(text.includes(`${withEvidence.evidence[0]!.request.method} ${withEvidence.evidence[0]!.request.url}`));
    if (withEvidence.evidence[0]!.response) {
      assert.ok(text.includes(`HTTP ${withEvidence.evidence[0]!.response.status}`));
    }
  });
});
