/**
 * SessionStore read-through with the Redis stores: the two-instance scenarios of
 * testing/shared_store_suite.ts (a session created on A continued on B with POST and with GET +
 * `Last-Event-ID`; DELETE on B ends it on A) with both instances on one real redis-server.
 */
import { after, before, describe } from "node:test";
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
});
