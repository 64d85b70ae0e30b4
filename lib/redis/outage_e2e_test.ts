/**
 * Redis restarted during a session (issue 14): `mcpwire reverse --store redis://…` started as the README
 * runs it, in front of server-everything, with a real SDK 1.x client. While redis-server is down, a new
 * session gets 503 with `Retry-After` and `/readyz` says not ready; the session the replica already holds
 * goes on (its tool calls succeed). After redis-server returns on the same port, new sessions work again.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type HttpChild, postHeaders, startEverything } from "../../testing/e2e.ts";
import { Client, StreamableHTTPClientTransport } from "../../testing/deps.ts";
import { initRequest } from "../../testing/messages.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "../../testing/redis_server.ts";
import { type Replica, startReplica } from "../../testing/replicas.ts";

const skip = redisSkipReason();
if (skip) console.warn(`SKIPPED Redis outage tests: ${skip}`);

describe("Redis restarted during a session", { skip: skip ?? false }, () => {
  let everything: HttpChild;
  let redis: RedisServer;
  let replica: Replica;
  before(async () => {
    everything = await startEverything("streamableHttp");
    redis = await startRedisServer();
    replica = await startReplica(["--store", redis.url, "--upstream", new URL("/mcp", everything.url).href]);
  }, { timeout: 60_000 });
  after(async () => {
    await replica?.kill("SIGKILL");
    await redis?.stop();
    await everything?.close();
  }, { timeout: 30_000 });

  const connect = async () => {
    const client = new Client({ name: "outage-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(replica.endpoint));
    return client;
  };
  const echo = async (client: Awaited<ReturnType<typeof connect>>, message: string) => {
    const result = await client.callTool({ name: "echo", arguments: { message } });
    assert.match(JSON.stringify(result.content), new RegExp(message));
  };

  test(
    "new sessions 503 + Retry-After while it is down, held ones go on, all fine after",
    { timeout: 60_000 },
    async () => {
      const held = await connect();
      try {
        await echo(held, "before");
        await redis.stop();
        const refused = await fetch(replica.endpoint, {
          method: "POST",
          headers: postHeaders(),
          body: JSON.stringify(initRequest("2025-11-25")),
        });
        assert.equal(refused.status, 503, await refused.clone().text());
        assert.equal(refused.headers.get("retry-after"), "1");
        await refused.body?.cancel();
        const ready = await fetch(new URL("/readyz", replica.endpoint));
        assert.equal(ready.status, 503);
        await ready.body?.cancel();
        await echo(held, "during");
        redis = await startRedisServer(10_000, redis.port);
        let fresh;
        for (let i = 0; i < 40 && !fresh; i++) {
          fresh = await connect().catch(() => undefined);
          if (!fresh) await new Promise((r) => setTimeout(r, 250));
        }
        assert.ok(fresh, "a new session works once Redis is back");
        await echo(fresh, "fresh");
        await echo(held, "after");
        await fresh.close();
      } finally {
        await held.close();
      }
    },
  );
});
