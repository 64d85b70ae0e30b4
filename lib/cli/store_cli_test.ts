/**
 * `mcpwire reverse --store`: two instances started from the command line on one real redis-server serve
 * the same session; bad values are usage errors; an unreachable Redis fails the start.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Runtime, runtime } from "../runtime/mod.ts";
import { reverseCommand } from "./reverse.ts";
import { EVERYTHING, postHeaders } from "../../testing/e2e.ts";
import { rawSession } from "../../testing/intercept.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "../../testing/redis_server.ts";

/** Runs `mcpwire reverse ARGS` in process; resolves once it listens (bounded). */
async function startReverse(args: string[]) {
  const err: string[] = [];
  let shutdown: (() => void) | undefined;
  const rt: Runtime = {
    ...runtime,
    writeStderr: (text) => void err.push(text),
    onShutdownSignal: (handler) => void (shutdown = () => handler("SIGTERM")),
  };
  const exited = reverseCommand(["--bind", "127.0.0.1:0", ...args], rt);
  const deadline = Date.now() + 10_000;
  let url: string | undefined;
  while (!url && Date.now() < deadline) {
    url = /listening on (\S+)/.exec(err.join(""))?.[1];
    if (!url) await Promise.race([exited, new Promise((r) => setTimeout(r, 20))]);
  }
  assert.ok(url, err.join(""));
  return { url: new URL(url), err, exited, stop: () => shutdown!() };
}

const skip = redisSkipReason();
if (skip) console.warn(`SKIPPED mcpwire reverse --store redis tests: ${skip}`);

describe("mcpwire reverse --store redis://", { skip: skip ?? false }, () => {
  let server: RedisServer;
  before(async () => void (server = await startRedisServer()));
  after(async () => await server?.stop());

  test("a session opened on one instance is continued on the other", { timeout: 30_000 }, async () => {
    const command = ["--", "node", EVERYTHING, "stdio"];
    const a = await startReverse(["--store", server.url, ...command]);
    const b = await startReverse(["--store", server.url, ...command]);
    try {
      assert.match(a.err.join(""), /sessions and events in redis:\/\/127\.0\.0\.1:\d+\/0/);
      const s = await rawSession(a.url, "2025-06-18");
      const headers = postHeaders({ "mcp-session-id": s.sessionId, "mcp-protocol-version": "2025-06-18" });
      const call = {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "echo", arguments: { message: "hi" } },
      };
      const onB = await fetch(b.url, { method: "POST", headers, body: JSON.stringify(call) });
      assert.equal(onB.status, 200);
      assert.match(await onB.text(), /Echo: hi/);
      await s.close();
      const afterDelete = await fetch(b.url, { method: "POST", headers, body: JSON.stringify({ ...call, id: 3 }) });
      assert.equal(afterDelete.status, 404, "the DELETE on A ended the session on B");
      await afterDelete.body?.cancel();
    } finally {
      a.stop();
      b.stop();
    }
    assert.equal(await a.exited, 0);
    assert.equal(await b.exited, 0);
  });
});

describe("mcpwire reverse --store errors", () => {
  const run = async (store: string) => {
    const err: string[] = [];
    const rt: Runtime = { ...runtime, writeStderr: (text) => void err.push(text) };
    const code = await reverseCommand([
      "--bind",
      "127.0.0.1:0",
      "--store",
      store,
      "--upstream",
      "http://127.0.0.1:1/mcp",
    ], rt);
    return { code, err: err.join("") };
  };

  test("a value that is neither memory nor a redis URL is a usage error", async () => {
    for (const bad of ["http://127.0.0.1:6379", "redis", "redis://127.0.0.1:6379/zero"]) {
      const { code, err } = await run(bad);
      assert.equal(code, 2, bad);
      assert.match(err, /--store/);
    }
  });

  test("a Redis that cannot be reached fails the start with exit code 1", { timeout: 15_000 }, async () => {
    const { code, err } = await run("redis://127.0.0.1:1/0");
    assert.equal(code, 1);
    assert.match(err, /Cannot connect to Redis at redis:\/\/127\.0\.0\.1:1\/0/);
  });
});
