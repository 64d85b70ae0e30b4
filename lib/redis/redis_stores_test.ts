/**
 * The Redis stores run the same port suites as the in-memory ones (testing/store_contract.ts), against a
 * real redis-server; plus what only Redis adds: TTLs, shared state between store objects, and errors.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { eventStoreSuite, sampleSessionRecord, sessionStoreSuite } from "../../testing/store_contract.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "../../testing/redis_server.ts";
import { connectRedis, type RedisConnection, RedisEventStore, RedisSessionStore } from "./mod.ts";

const skip = redisSkipReason();
if (skip) console.warn(`SKIPPED Redis store tests: ${skip}`);

describe("Redis stores", { skip: skip ?? false }, () => {
  let server: RedisServer;
  let redis: RedisConnection;
  let n = 0;
  /** A fresh key prefix per store: each contract test starts from an empty store. */
  const prefix = () => `t${n++}:`;
  before(async () => {
    server = await startRedisServer();
    redis = await connectRedis(server.url);
  });
  after(async () => {
    await redis?.close();
    await server?.stop();
  });

  eventStoreSuite("RedisEventStore", (caps) => new RedisEventStore({ redis, prefix: prefix(), ...caps }));
  sessionStoreSuite("RedisSessionStore", () => new RedisSessionStore({ redis, prefix: prefix() }));

  test("a session record expires by TTL, and touch refreshes the TTL", async () => {
    const store = new RedisSessionStore({ redis, prefix: prefix(), ttlMs: 300 });
    const record = sampleSessionRecord("a");
    await store.set(record);
    await store.set({ ...record, id: "b" });
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(await store.touch("a", Date.now()), true, "touched in time");
    }
    assert.ok(await store.get("a"), "a is kept by its touches");
    assert.equal(await store.get("b"), undefined, "b expired");
    assert.equal(await store.touch("b", Date.now()), false);
    assert.equal(await store.size(), 1);
  });

  test("two store objects with the same prefix share events; another prefix sees none", async () => {
    const p = prefix();
    const one = new RedisEventStore({ redis, prefix: p });
    const two = new RedisEventStore({ redis, prefix: p });
    const s = await one.createStream("s");
    const first = await one.append("s", s, null);
    await one.append("s", s, { jsonrpc: "2.0", method: "notifications/progress" });
    const replay = await two.replayAfter("s", first);
    assert.ok(replay.type === "found");
    assert.equal(replay.events.length, 1);
    assert.equal((await new RedisEventStore({ redis, prefix: prefix() }).replayAfter("s", first)).type, "unknown");
  });

  test("appending to a stream that was never created fails", async () => {
    const store = new RedisEventStore({ redis, prefix: prefix() });
    await assert.rejects(store.append("s", "0", null), /Unknown stream 0/);
  });

  test("connecting to a port where nothing listens fails fast with the address", async () => {
    const started = Date.now();
    await assert.rejects(connectRedis("redis://127.0.0.1:1/0", { connectTimeoutMs: 2_000 }), /127\.0\.0\.1:1/);
    assert.ok(Date.now() - started < 3_000);
  });
});
