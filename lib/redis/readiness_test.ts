/**
 * `/readyz` with the Redis store on a real redis-server (issue 14): ready while Redis answers, 503 with
 * `Retry-After` while it is down (bounded: the probe does not hang on the client's reconnect queue), and
 * ready again after Redis returns on the same port.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createReverseProxy, type ReverseProxy } from "../proxy/reverse.ts";
import { exampleUpstream } from "../../testing/downstream.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "../../testing/redis_server.ts";
import { connectRedis, type RedisConnection, RedisEventStore, RedisSessionStore } from "./mod.ts";

const skip = redisSkipReason();
if (skip) console.warn(`SKIPPED Redis readiness tests: ${skip}`);

describe("/readyz with the Redis store", { skip: skip ?? false }, () => {
  let server: RedisServer;
  let redis: RedisConnection;
  let proxy: ReverseProxy;
  before(async () => {
    server = await startRedisServer();
    redis = await connectRedis(server.url);
    proxy = createReverseProxy({
      upstream: exampleUpstream(),
      sessionStore: new RedisSessionStore({ redis, prefix: "ready:" }),
      eventStore: new RedisEventStore({ redis, prefix: "ready:" }),
    });
  });
  after(async () => {
    await proxy?.close();
    await redis?.close();
    await server?.stop();
  });

  const readyz = () => proxy.fetch(new Request("http://127.0.0.1/readyz", { headers: { host: "127.0.0.1" } }));

  test("ready while Redis answers, 503 + Retry-After while it is down, ready again after", async () => {
    const up = await readyz();
    assert.equal(up.status, 200, await up.clone().text());
    assert.equal(((await up.json()) as { status: string }).status, "ready");
    await server.stop();
    const started = Date.now();
    const down = await readyz();
    assert.equal(down.status, 503);
    assert.equal(down.headers.get("retry-after"), "1");
    await down.body?.cancel();
    assert.ok(Date.now() - started < 3_000, "the probe is bounded");
    server = await startRedisServer(10_000, server.port);
    let back = 0;
    for (let i = 0; i < 50 && back !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const r = await readyz();
      back = r.status;
      await r.body?.cancel();
    }
    assert.equal(back, 200, "ready again once Redis is back");
  });
});
