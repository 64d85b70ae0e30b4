/**
 * Sealed session ids across replicas, with no store (issue 14, item 3): two `mcpwire reverse --seal-key`
 * replicas, started as the README runs them, in front of one server-everything over Streamable HTTP. The real
 * 1.x SDK client initializes through replica A; a round-robin in the client's fetch then sends its requests to
 * A and B in turn; with A stopped, B alone continues the session. A tampered id, and the real id on a replica
 * with another key, get 404 (T-SESS-06). A stdio upstream with `--seal-key` is refused.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HttpChild, postHeaders, startEverything } from "../../testing/e2e.ts";
import { type CliProcess, startCli } from "../../testing/cli.ts";
import { runCli } from "../../testing/cli_child.ts";
import { Client, StreamableHTTPClientTransport } from "../../testing/deps.ts";

const newKey = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))) + "\n";

describe("sealed session ids: two replicas, no store", () => {
  let everything: HttpChild;
  let a: CliProcess;
  let b: CliProcess;
  let other: CliProcess;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcpwire-seal-"));
    writeFileSync(join(dir, "key"), newKey());
    writeFileSync(join(dir, "other"), newKey());
    everything = await startEverything("streamableHttp");
    const upstream = new URL("/mcp", everything.url).href;
    const replica = (key: string) =>
      startCli(["reverse", "--bind", "127.0.0.1:0", "--seal-key", join(dir, key), "--upstream", upstream]);
    [a, b, other] = await Promise.all([replica("key"), replica("key"), replica("other")]);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop(), other?.stop()]);
    await everything?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the SDK client's session continues on the other replica, and on it alone", async () => {
    const replicas = [a.base, b.base];
    let turn = 0;
    const served: string[] = [];
    // The balancer: each request of the client goes to the next replica (GETs and DELETE too).
    const roundRobin = (input: string | URL | Request, init?: RequestInit) => {
      const target = replicas[turn++ % replicas.length]!;
      served.push(`${init?.method ?? "GET"} ${target.port}`);
      const url = new URL(input instanceof Request ? input.url : String(input));
      url.host = target.host;
      return fetch(url, init);
    };
    const client = new Client({ name: "seal-e2e", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(a.base, { fetch: roundRobin });
    await client.connect(transport);
    try {
      const sessionId = transport.sessionId as string;
      assert.match(sessionId, /^[A-Za-z0-9_-]{16,}$/);
      for (let i = 0; i < 4; i++) {
        const result = await client.callTool({ name: "echo", arguments: { message: `hi ${i}` } });
        assert.match(JSON.stringify(result.content), new RegExp(`hi ${i}`));
      }
      const ports = new Set(served.filter((s) => s.startsWith("POST")).map((s) => s.split(" ")[1]));
      assert.deepEqual([...ports].sort(), [a.base.port, b.base.port].sort(), served.join(", "));

      // A goes away: B alone serves the session it already revived.
      await a.stop();
      replicas.splice(0, 1);
      const result = await client.callTool({ name: "echo", arguments: { message: "after A" } });
      assert.match(JSON.stringify(result.content), /after A/);
      assert.ok((await client.listTools()).tools.some((t: { name: string }) => t.name === "echo"));

      // A replica with another key does not know the id; a tampered id is unknown everywhere.
      const ping = JSON.stringify({ jsonrpc: "2.0", id: 99, method: "ping" });
      const version = { "mcp-protocol-version": "2025-06-18" };
      const foreign = await fetch(other.base, {
        method: "POST",
        headers: postHeaders({ "mcp-session-id": sessionId, ...version }),
        body: ping,
      });
      assert.equal(foreign.status, 404, await foreign.text());
      const last = sessionId.at(-2) === "A" ? "B" : "A";
      const tampered = sessionId.slice(0, -2) + last + sessionId.at(-1);
      const altered = await fetch(b.base, {
        method: "POST",
        headers: postHeaders({ "mcp-session-id": tampered, ...version }),
        body: ping,
      });
      assert.equal(altered.status, 404, await altered.text());

      // DELETE ends it: the replica that ended it does not revive it from its id again.
      await transport.terminateSession();
      const ended = await fetch(b.base, {
        method: "POST",
        headers: postHeaders({ "mcp-session-id": sessionId, ...version }),
        body: ping,
      });
      assert.equal(ended.status, 404, await ended.text());
    } finally {
      await client.close();
    }
  });

  test("--seal-key with a stdio upstream is refused with a clear error", () => {
    const run = runCli(["reverse", "--bind", "127.0.0.1:0", "--seal-key", join(dir, "key"), "--", "true"]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--seal-key needs an HTTP upstream/);
  });
});
