/**
 * Floods against `mcpwire reverse` started exactly as the README says (docs/security.md): 1,000
 * `initialize` requests in front of a stdio server-everything leave at most `--max-children` (default
 * 4 × CPU cores) children alive, `/healthz` answering, and a session made before the flood working.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { EVERYTHING, postHeaders, RUNTIME } from "../../testing/e2e.ts";
import { type CliProcess, descendants, startCli } from "../../testing/cli.ts";
import { initRequest } from "../../testing/messages.ts";

/** A stdio child: server-everything's script as the program, not mcpwire's own command line (Bun relaunches). */
const isChild = (command: string) => command.includes("server-everything") && !command.includes("cli.ts");

/** POSTs one JSON-RPC message; returns status, session id and body text (bounded by 30 s). */
async function post(url: URL, message: unknown, session?: string) {
  const headers = postHeaders(session ? { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" } : {});
  const r = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify(message),
    signal: AbortSignal.timeout(30_000),
  });
  return {
    status: r.status,
    session: r.headers.get("mcp-session-id"),
    retryAfter: r.headers.get("retry-after"),
    text: await r.text(),
  };
}

/** Opens a session and checks that it answers `tools/list`. */
async function openSession(url: URL): Promise<string> {
  const init = await post(url, initRequest());
  assert.equal(init.status, 200, init.text);
  const session = init.session!;
  await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, session);
  return session;
}

async function listsTools(url: URL, session: string): Promise<boolean> {
  const r = await post(url, { jsonrpc: "2.0", id: 7, method: "tools/list" }, session);
  return r.status === 200 && r.text.includes('"tools"');
}

describe(`mcpwire reverse on ${RUNTIME} in front of a stdio server-everything, under an initialize flood`, () => {
  let proxy: CliProcess;
  before(async () => {
    proxy = await startCli(["reverse", "--bind", "127.0.0.1:0", "--", "node", EVERYTHING, "stdio"]);
  }, { timeout: 30_000 });
  after(async () => {
    await proxy?.stop();
  });

  test("1,000 initializes leave at most --max-children children, /healthz answers, the earlier session works", {
    timeout: 120_000,
  }, async () => {
    const url = proxy.base;
    const metrics = await (await fetch(new URL("/metrics", url))).text();
    const max = Number(/^mcpwire_max_stdio_children (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(max >= 1, `mcpwire_max_stdio_children in /metrics: ${metrics.slice(-600)}`);
    const before = await openSession(url);
    assert.ok(await listsTools(url, before));

    const statuses: Record<string, number> = {};
    let peak = 0;
    let healthMaxMs = 0;
    let healthFailed = 0;
    let sent = 0;
    let badRefusal = 0;
    const worker = async () => {
      while (sent < 1_000) {
        sent++;
        const r = await post(url, initRequest()).catch((e) => ({ status: String(e), retryAfter: null, text: "" }));
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status !== 200 && (!r.retryAfter || !r.text.includes('"error"'))) badRefusal++;
      }
    };
    let flooding = true;
    const watcher = (async () => {
      while (flooding) {
        peak = Math.max(peak, descendants(proxy.pid, isChild).length);
        const t = performance.now();
        const ok = await fetch(new URL("/healthz", url), { signal: AbortSignal.timeout(5_000) })
          .then((r) => r.text().then(() => r.ok), () => false);
        if (!ok) healthFailed++;
        healthMaxMs = Math.max(healthMaxMs, performance.now() - t);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await Promise.all(Array.from({ length: 50 }, worker));
    flooding = false;
    await watcher;
    const alive = descendants(proxy.pid, isChild).length;
    const info = JSON.stringify({ max, peak, alive, statuses, healthMaxMs, healthFailed });
    assert.ok(peak <= max && alive <= max, `children alive ≤ ${max}: ${info}`);
    assert.ok((statuses["200"] ?? 0) <= max, `at most ${max} sessions accepted: ${info}`);
    assert.equal((statuses["200"] ?? 0) + (statuses["503"] ?? 0) + (statuses["429"] ?? 0), 1_000, info);
    assert.equal(badRefusal, 0, `every refusal has Retry-After and a JSON-RPC error: ${info}`);
    assert.equal(healthFailed, 0, info);
    assert.ok(healthMaxMs < 3_000, `/healthz within 3 s: ${info}`);
    assert.ok(await listsTools(url, before), "the session opened before the flood still answers");
    assert.ok(proxy.alive());
  });
});
