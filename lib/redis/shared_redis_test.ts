/**
 * SessionStore read-through with the Redis stores: the two-instance scenarios of
 * testing/shared_store_suite.ts (a session created on A continued on B with POST and with GET +
 * `Last-Event-ID`; DELETE on B ends it on A) with both instances on one real redis-server.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createReverseProxy } from "../proxy/reverse.ts";
import { exampleUpstream, RawClient } from "../../testing/downstream.ts";
import { sharedStoreSuite } from "../../testing/shared_store_suite.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "../../testing/redis_server.ts";
import { connectRedis, type RedisConnection, RedisEventStore, RedisSessionStore } from "./mod.ts";

const skip = redisSkipReason();
if (skip) console.warn(`SKIPPED Redis read-through tests: ${skip}`);

describe("Redis read-through", { skip: skip ?? false }, () => {
  let server: RedisServer;
  let redis: RedisConnection;
  let n = 0;
  before(async () => {
    server = await startRedisServer();
    redis = await connectRedis(server.url);
  });
  after(async () => {
    await redis?.close();
    await server?.stop();
  });

  sharedStoreSuite("Redis", () => {
    const prefix = `shared${n++}:`;
    return {
      sessionStore: new RedisSessionStore({ redis, prefix }),
      eventStore: new RedisEventStore({ redis, prefix }),
    };
  });

  test("a session a client listens on outlives the record TTL: the sweeper touches the store", async () => {
    const prefix = `ttl${n++}:`;
    const proxy = createReverseProxy({
      upstream: exampleUpstream(),
      sessionStore: new RedisSessionStore({ redis, prefix, ttlMs: 300 }),
      eventStore: new RedisEventStore({ redis, prefix }),
      sessionIdleTimeoutMs: 300,
    });
    try {
      const client = new RawClient(proxy.fetch);
      await client.initialize("2025-06-18");
      const stream = await client.request("GET", { accept: "text/event-stream", "mcp-protocol-version": "2025-06-18" });
      assert.equal(stream.status, 200);
      await new Promise((r) => setTimeout(r, 1_000)); // three TTLs with no request, only the open GET stream
      const ping = await client.post({ jsonrpc: "2.0", id: 5, method: "ping" }, {
        "mcp-protocol-version": "2025-06-18",
      });
      assert.equal(ping.status, 200);
      await ping.body?.cancel();
      await stream.body?.cancel();
    } finally {
      await proxy.close();
    }
  });
});
