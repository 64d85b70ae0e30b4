/**
 * The `--ui` page in real headless Chromium: `mcpwire reverse --ui` (cli.ts, as the README runs it) in front
 * of server-everything, a real 1.x SDK client through it. The page loads with no console error; the live
 * call appears in the timeline within a second; filtering works; the detail view shows the message; the
 * exported tape holds the same messages, `mcpwire tape show` reads it, and opened in the page it shows them;
 * a rule (`--rules`) that blocks a request or rewrites a result shows on that message's row, and the "rule
 * hits" filter keeps just those rows.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "../../testing/deps.ts";
import { type HttpChild, startEverything } from "../../testing/e2e.ts";
import { type CliChild, runCli, startCli } from "../../testing/cli_child.ts";
import { type BrowserPage, openBrowser } from "../../testing/browser.ts";
import { parseTape } from "../record/tape.ts";

const T = { timeout: 60_000 };

/** A rule that blocks a request, and one that rewrites a result: both must show on the timeline. */
const RULES = `
version: 1
rules:
  - name: block get-env
    match: { direction: client-to-server, method: tools/call, tool: get-env }
    action: block
    error: { code: -32050, message: get-env is disabled by policy }
  - name: rewrite echo
    match: { direction: server-to-client, kind: result, tool: echo, params: { "arguments.message": { regex: "^rewrite" } } }
    set: { "result.content[0].text": "rewritten by rules" }
`;

/** The text of every timeline row's cells. */
function rows(b: BrowserPage): Promise<string[][]> {
  return b.page.$$eval("#timeline tr", (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent ?? "")));
}

describe("--ui in headless Chromium", T, () => {
  let everything: HttpChild;
  let mcpwire: CliChild;
  let b: BrowserPage;
  let endpoint: URL;
  let ui: URL;
  let sessionId = "";
  const dir = mkdtempSync(join(tmpdir(), "mcpwire-ui-"));

  before(async () => {
    everything = await startEverything("streamableHttp");
    b = await openBrowser();
  });

  // Starting mcpwire may take longer than Bun allows a hook (5 s), so it is a test of its own.
  test("mcpwire reverse --ui prints both addresses", T, async () => {
    const rules = join(dir, "rules.yaml");
    writeFileSync(rules, RULES);
    mcpwire = await startCli(
      [
        "reverse",
        "--bind",
        "127.0.0.1:0",
        "--upstream",
        new URL("/mcp", everything.url).href,
        "--ui",
        "--rules",
        rules,
      ],
      [/listening on (\S+)/, /traffic view on (\S+)/],
    );
    [endpoint, ui] = mcpwire.urls as [URL, URL];
    assert.notEqual(endpoint.port, ui.port, "the UI has a listener of its own");
    assert.equal(ui.hostname, "127.0.0.1", "loopback by default");
  });

  after(async () => {
    await b?.close();
    await mcpwire?.stop();
    await everything?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the page loads live with no console error", T, async () => {
    await b.page.goto(ui.href, { waitUntil: "load" });
    await b.page.waitForFunction(`document.getElementById("status")?.textContent === "live"`, { timeout: 5_000 });
    assert.deepEqual(b.errors, []);
  });

  test("a live call appears in the timeline within a second", T, async () => {
    const client = new Client({ name: "ui-browser-e2e", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(endpoint);
    await client.connect(transport);
    const result = await client.callTool({ name: "echo", arguments: { message: "seen in the browser" } });
    assert.match(JSON.stringify(result.content), /seen in the browser/);
    sessionId = transport.sessionId ?? "";
    await client.close();
    const started = Date.now();
    await b.page.waitForFunction(
      `[...document.querySelectorAll("#timeline tr")].some((tr) => tr.textContent.includes("tools/call"))`,
      { timeout: 1_000 },
    );
    assert.ok(Date.now() - started <= 1_000);
    const cells = await rows(b);
    const call = cells.find((r) => r[5]!.startsWith("tools/call"))!;
    assert.equal(call[2], "→ server");
    const reply = cells.find((r) => r[5] === `result #${call[5]!.split("#")[1]}`);
    assert.ok(reply, `no response row for ${call[5]} in ${JSON.stringify(cells)}`);
    assert.match(reply[6]!, /^\d+ ms$/, "the response row shows the pair's latency");
    assert.ok(cells.some((r) => r[7]!.includes("initialize")), "initialize is marked");
    const sessions = await b.page.$$eval("#sessions tr", (trs) => trs.map((tr) => tr.getAttribute("title")));
    assert.ok(sessions.includes(sessionId), `session ${sessionId} listed in ${sessions}`);
  });

  test("filtering by method, text and status", T, async () => {
    await b.page.type("#filter-method", "tools/call");
    const byMethod = await rows(b);
    assert.ok(byMethod.length >= 2, JSON.stringify(byMethod));
    assert.ok(byMethod.every((r) => r[5]!.startsWith("tools/call") || r[5]!.startsWith("result")));
    await b.page.$eval("#filter-method", (e) => ((e as unknown as { value: string }).value = ""));
    await b.page.type("#filter-text", "seen in the browser");
    assert.equal((await rows(b)).length, 2, "the request and its result carry the text");
    await b.page.$eval("#filter-text", (e) => ((e as unknown as { value: string }).value = ""));
    await b.page.select("#filter-status", "error");
    assert.equal((await rows(b)).length, 0, "no errors in this session");
    await b.page.select("#filter-status", "");
    assert.ok((await rows(b)).length > byMethod.length);
  });

  test("the detail view shows the message, pretty and raw", T, async () => {
    const seq = await b.page.$$eval(
      "#timeline tr",
      (trs) => trs.find((tr) => tr.children[5]?.textContent?.startsWith("tools/call"))?.getAttribute("data-seq"),
    );
    await b.page.click(`#timeline tr[data-seq="${seq}"]`);
    const pretty = await b.page.$eval("#detail-pretty", (e) => e.textContent ?? "");
    const raw = await b.page.$eval("#detail-raw", (e) => e.textContent ?? "");
    assert.equal(JSON.parse(pretty).params.name, "echo");
    assert.deepEqual(JSON.parse(raw), JSON.parse(pretty));
    assert.ok(pretty.includes("\n  "), "pretty is indented");
  });

  test("an exported tape holds the same messages and opens in the same view", T, async () => {
    const href = await b.page.$eval("#export", (a) => (a as unknown as { href: string }).href);
    const text = await (await fetch(href)).text();
    const tape = parseTape(text);
    const messages = tape.records.filter((r) => r.type === "message");
    assert.ok(messages.every((m) => m.session === sessionId));
    const live = await rows(b);
    assert.equal(live.length, tape.records.length);
    const file = join(dir, "session.jsonl");
    writeFileSync(file, text);
    const shown = runCli(["tape", "show", file]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /tools\/call/);
    const input = await b.page.$("#open-tape");
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(file);
    await b.page.waitForFunction(`document.getElementById("status")?.textContent?.startsWith("tape:")`, {
      timeout: 5_000,
    });
    const opened = await rows(b);
    assert.deepEqual(opened.map((r) => [r[2], r[5]]), live.map((r) => [r[2], r[5]]));
    assert.deepEqual(b.errors, []);
  });

  test("rule hits show on the timeline and can be filtered", T, async () => {
    await b.page.click("#live");
    await b.page.waitForFunction(`document.getElementById("status")?.textContent === "live"`, { timeout: 5_000 });
    const client = new Client({ name: "ui-rules-e2e", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(endpoint);
    await client.connect(transport);
    const blocked = await client.callTool({ name: "get-env", arguments: {} }).then(
      () => "answered",
      (e: Error) => e.message,
    );
    assert.match(blocked, /disabled by policy/);
    const rewritten = await client.callTool({ name: "echo", arguments: { message: "rewrite me" } });
    assert.match(JSON.stringify(rewritten.content), /rewritten by rules/);
    const id = transport.sessionId ?? "";
    await client.close();
    await b.page.waitForFunction(`document.querySelector('#sessions tr[title="${id}"]') !== null`, {
      timeout: 2_000,
    });
    // The list is redrawn with every message: select the row in one step (a mouse click spans two events).
    await b.page.$eval(`#sessions tr[title="${id}"]`, (tr) => (tr as unknown as { click(): void }).click());
    await b.page.waitForFunction(
      `[...document.querySelectorAll("#timeline tr")].filter((tr) => tr.textContent.includes("rule ")).length >= 2`,
      { timeout: 2_000 },
    );
    const cells = await rows(b);
    const block = cells.find((r) => r[7]!.includes("rule block get-env: block"));
    assert.ok(block, `no row names the block rule in ${JSON.stringify(cells)}`);
    assert.equal(block[2], "→ server", "the hit is on the client's request");
    assert.ok(block[5]!.startsWith("tools/call"));
    const edit = cells.find((r) => r[7]!.includes("rule rewrite echo: edit"));
    assert.ok(edit, `no row names the rewrite rule in ${JSON.stringify(cells)}`);
    assert.equal(edit[2], "← client", "the hit is on the server's result");
    assert.ok(edit[5]!.startsWith("result"));
    await b.page.select("#filter-status", "rule");
    const only = await rows(b);
    assert.equal(only.length, 2, JSON.stringify(only));
    assert.ok(only.every((r) => r[7]!.includes("rule ")));
    await b.page.select("#filter-status", "");
    await b.page.type("#filter-text", "rewrite echo");
    assert.ok((await rows(b)).some((r) => r[7]!.includes("rule rewrite echo")), "the text filter finds rule names");
    await b.page.$eval("#filter-text", (e) => ((e as unknown as { value: string }).value = ""));
    assert.deepEqual(b.errors, []);
  });
});
