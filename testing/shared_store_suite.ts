/**
 * The two-instance read-through scenarios, run against any pair of stores: two proxy instances sharing one
 * SessionStore and one EventStore. A session created on A is continued on B — POST, and GET resumption with
 * `Last-Event-ID` (T-RES-02) — and a DELETE on B ends it on A too (T-SESS-06). Used by
 * `lib/session/shared_store_test.ts` (in memory) and `lib/redis/shared_redis_test.ts` (Redis).
 *
 * @module
 */
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createReverseProxy, type ReverseProxy } from "../lib/proxy/reverse.ts";
import type { EventStore } from "../lib/stores/event_store.ts";
import type { SessionStore } from "../lib/stores/session_store.ts";
import { exampleUpstream, messagesOf, RawClient, sseEvents } from "./downstream.ts";

/** The stores two instances share; called once per test, so each test starts from empty stores. */
export type SharedStores = () => { sessionStore: SessionStore; eventStore: EventStore };

const add = (id: number) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "add", arguments: { a: 2, b: 40 } },
});

/** Runs the two-instance scenarios with the stores `make` returns. */
export function sharedStoreSuite(name: string, make: SharedStores): void {
  let proxies: ReverseProxy[] = [];

  /** Two instances over the same stores, each with its own upstream (as two replicas would have). */
  const pair = (): { a: ReverseProxy; b: ReverseProxy } => {
    const { sessionStore, eventStore } = make();
    const a = createReverseProxy({ upstream: exampleUpstream(), sessionStore, eventStore });
    const b = createReverseProxy({ upstream: exampleUpstream(), sessionStore, eventStore });
    proxies.push(a, b);
    return { a, b };
  };

  describe(`two instances sharing a store: ${name}`, () => {
    afterEach(async () => {
      await Promise.all(proxies.map((p) => p.close()));
      proxies = [];
    });

    test("a session created on A is continued on B with POST", async () => {
      const { a, b } = pair();
      const onA = new RawClient(a.fetch);
      await onA.initialize("2025-06-18");
      const onB = new RawClient(b.fetch);
      onB.sessionId = onA.sessionId;
      const response = await onB.post(add(2), { "mcp-protocol-version": "2025-06-18" });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("mcp-session-id"), onA.sessionId);
      const [reply] = await messagesOf(response);
      assert.deepEqual((reply as { result?: unknown }).result, { content: [{ type: "text", text: "42" }] });
      assert.equal(b.endpoint.stats().sessions, 1, "B now holds the session");
    });

    test("a stream cut on A is resumed on B with Last-Event-ID, every remaining event exactly once", async () => {
      const { a, b } = pair();
      const onA = new RawClient(a.fetch);
      await onA.initialize("2025-11-25");
      const steps = 4;
      const call = {
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: "countdown", arguments: { steps, intervalMs: 20 }, _meta: { progressToken: "t" } },
      };
      // Read the priming event and the first progress notification on A, then drop the connection.
      const seen = await sseEvents(await onA.post(call), 2);
      const last = seen[1]!.id!;
      assert.ok(last, "the second event carries an id");
      await new Promise((r) => setTimeout(r, 20 * steps + 150));
      const onB = new RawClient(b.fetch);
      onB.sessionId = onA.sessionId;
      const resumed = await onB.request("GET", {
        accept: "text/event-stream",
        "last-event-id": last,
        "mcp-protocol-version": "2025-11-25",
      });
      assert.equal(resumed.status, 200);
      const events = (await sseEvents(resumed)).filter((e) => e.data !== "");
      const messages = events.map((e) => JSON.parse(e.data) as { id?: number; method?: string });
      assert.equal(messages.filter((m) => m.method === "notifications/progress").length, steps - 1);
      assert.equal(messages.filter((m) => m.id === 7).length, 1, "the response arrives once");
      assert.equal(new Set(events.map((e) => e.id)).size, events.length, "no event twice");
    });

    test("a stream still running on A is resumed on B: replayed, then tailed live to the response", async () => {
      const { a, b } = pair();
      const onA = new RawClient(a.fetch);
      await onA.initialize("2025-11-25");
      const steps = 6;
      const call = {
        jsonrpc: "2.0",
        id: 8,
        method: "tools/call",
        params: { name: "countdown", arguments: { steps, intervalMs: 60 }, _meta: { progressToken: "t" } },
      };
      const seen = await sseEvents(await onA.post(call), 2);
      // Resume on B at once: A is still producing the remaining progress notifications and the response.
      const onB = new RawClient(b.fetch);
      onB.sessionId = onA.sessionId;
      const resumed = await onB.request("GET", {
        accept: "text/event-stream",
        "last-event-id": seen[1]!.id!,
        "mcp-protocol-version": "2025-11-25",
      });
      assert.equal(resumed.status, 200);
      const events = (await sseEvents(resumed)).filter((e) => e.data !== "");
      const messages = events.map((e) => JSON.parse(e.data) as { id?: number; method?: string });
      assert.equal(messages.filter((m) => m.method === "notifications/progress").length, steps - 1);
      assert.equal(messages.filter((m) => m.id === 8).length, 1, "the response arrives once, live");
      assert.equal(new Set(events.map((e) => e.id)).size, events.length, "no event twice");
    });

    test("a DELETE on B ends the session on A too (404 there)", async () => {
      const { a, b } = pair();
      const onA = new RawClient(a.fetch);
      await onA.initialize("2025-06-18");
      const onB = new RawClient(b.fetch);
      onB.sessionId = onA.sessionId;
      const deleted = await onB.request("DELETE", { "mcp-protocol-version": "2025-06-18" });
      assert.equal(deleted.status, 200);
      const after = await onA.post(add(3), { "mcp-protocol-version": "2025-06-18" });
      assert.equal(after.status, 404);
      await after.body?.cancel();
    });

    test("an id no instance ever issued is still 404 on both", async () => {
      const { a, b } = pair();
      for (const proxy of [a, b]) {
        const client = new RawClient(proxy.fetch);
        client.sessionId = "never-issued";
        const response = await client.post(add(1));
        assert.equal(response.status, 404);
        await response.body?.cancel();
      }
    });
  });
}
