/**
 * SessionStore read-through with the in-memory stores: two proxy instances sharing one SessionStore and
 * one EventStore (the scenarios are in testing/shared_store_suite.ts; lib/redis/shared_redis_test.ts runs
 * them with Redis).
 */
import { InMemoryEventStore } from "../stores/event_store.ts";
import { InMemorySessionStore } from "../stores/session_store.ts";
import { sharedStoreSuite } from "../../testing/shared_store_suite.ts";

sharedStoreSuite(
  "in memory",
  () => ({ sessionStore: new InMemorySessionStore(), eventStore: new InMemoryEventStore() }),
);
