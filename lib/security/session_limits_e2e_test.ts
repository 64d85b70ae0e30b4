/**
 * The per-caller and per-session limits end to end: `mcpwire reverse` started as the README runs it, with
 * an API key file, in front of server-everything (streamableHttp). Past `--max-sessions-per-caller` an
 * `initialize` of that caller gets 429 while another caller's passes; past `--max-streams-per-session` a
 * GET stream gets 429 while the open one goes on; each refusal is an audit line on stderr.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HttpChild, postHeaders, RUNTIME, startEverything } from "../../testing/e2e.ts";
import { type CliProcess, startCli } from "../../testing/cli.ts";
import { initRequest } from "../../testing/messages.ts";
import { hashApiKey } from "./api_keys.ts";

describe(`mcpwire reverse on ${RUNTIME}: per-caller and per-session limits`, () => {
  let everything: HttpChild;
  let proxy: CliProcess;
  let dir: string;
  before(async () => {
    everything = await startEverything("streamableHttp");
    dir = await mkdtemp(join(tmpdir(), "mcpwire-limits-"));
    const keys = join(dir, "keys");
    await writeFile(keys, `alice ${await hashApiKey("alice-secret")}\nbob ${await hashApiKey("bob-secret")}\n`);
    proxy = await startCli([
      "reverse",
      "--bind",
      "127.0.0.1:0",
      "--upstream",
      new URL("/mcp", everything.url).href,
      "--api-key-file",
      keys,
      "--max-sessions-per-caller",
      "1",
      "--max-streams-per-session",
      "1",
    ]);
  });
  after(async () => {
    await proxy?.stop();
    await everything?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("429 + Retry-After + JSON-RPC error past each limit, what is open goes on, and an audit line per refusal", {
    timeout: 30_000,
  }, async () => {
    const endpoint = new URL("/mcp", proxy.base);
    const post = (key: string, body: unknown, session?: string) =>
      fetch(endpoint, {
        method: "POST",
        headers: postHeaders({
          "x-api-key": key,
          ...(session ? { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" } : {}),
        }),
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    const init = await post("alice-secret", initRequest());
    assert.equal(init.status, 200);
    await init.body?.cancel();
    const session = init.headers.get("mcp-session-id")!;
    const initialized = await post("alice-secret", { jsonrpc: "2.0", method: "notifications/initialized" }, session);
    assert.equal(initialized.status, 202);
    await initialized.body?.cancel();

    const second = await post("alice-secret", initRequest());
    assert.equal(second.status, 429);
    assert.ok(Number(second.headers.get("retry-after")) > 0);
    const body = await second.json();
    assert.equal(body.id, null);
    assert.equal(body.error.code, -32000);
    const bob = await post("bob-secret", initRequest());
    assert.equal(bob.status, 200, "another caller has its own count");
    await bob.body?.cancel();

    const get = () =>
      fetch(endpoint, {
        headers: {
          accept: "text/event-stream",
          "x-api-key": "alice-secret",
          "mcp-session-id": session,
          "mcp-protocol-version": "2025-11-25",
        },
        signal: AbortSignal.timeout(10_000),
      });
    const standalone = await get();
    assert.equal(standalone.status, 200);
    const extra = await get();
    assert.equal(extra.status, 429);
    assert.ok(Number(extra.headers.get("retry-after")) > 0);
    assert.equal((await extra.json()).error.code, -32000);
    const held = await post("alice-secret", { jsonrpc: "2.0", id: 2, method: "ping" }, session);
    assert.equal(held.status, 429, "a request may open a stream too");
    await held.body?.cancel();
    await standalone.body?.cancel();
    const ping = async () => {
      // The proxy sees the cancelled stream end shortly after; bounded retries.
      for (let i = 0; i < 50; i++) {
        const r = await post("alice-secret", { jsonrpc: "2.0", id: 3, method: "ping" }, session);
        if (r.status !== 429) return r;
        await r.body?.cancel();
        await new Promise((done) => setTimeout(done, 20));
      }
      throw new Error("the closed stream never freed its place");
    };
    const pong = await ping();
    assert.equal(pong.status, 200, "once the stream closed, the session's requests pass");
    assert.match(await pong.text(), /"result"/);

    const metrics = await (await fetch(new URL("/metrics", proxy.base), { headers: { "x-api-key": "alice-secret" } }))
      .text();
    assert.match(metrics, /^mcpwire_refused_total\{kind="caller_sessions"\} 1$/m);
    assert.match(metrics, /^mcpwire_refused_total\{kind="session_streams"\} [2-9]\d*$/m);
    const lines = proxy.stderr().split("\n").filter((l) => l.includes('"audit":"limit_hit"')).map((l) => JSON.parse(l));
    assert.deepEqual(lines.slice(0, 3).map((l) => [l.reason, l.caller, l.status]), [
      ["max sessions per caller", "alice", 429],
      ["max streams per session", "alice", 429],
      ["max streams per session", "alice", 429],
    ]);
    assert.equal(lines[1].session, session);
    assert.doesNotMatch(proxy.stderr(), /alice-secret/, "no key in the audit log");
  });
});
