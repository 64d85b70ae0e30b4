/**
 * The shared test suites of the store ports. Every EventStore and SessionStore implementation runs them
 * (style.md habit 11): `eventStoreSuite("in-memory", (caps) => new InMemoryEventStore(caps))`.
 *
 * @module
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { EventStore } from "../lib/stores/event_store.ts";
import type { SessionRecord, SessionStore } from "../lib/stores/session_store.ts";
import type { JsonRpcMessage } from "../lib/jsonrpc/types.ts";

const note = (n: number): JsonRpcMessage => ({
  jsonrpc: "2.0",
  method: "notifications/progress",
  params: { progress: n },
});

/** Runs the EventStore port suite against stores made by `make`, with the given caps. */
export function eventStoreSuite(
  name: string,
  make: (caps: { maxEventsPerStream: number; maxEvents: number; maxBytesPerStream?: number }) => EventStore,
): void {
  describe(`EventStore port: ${name}`, () => {
    test("T-RES-01: event ids are unique across all streams of a session", async () => {
      const store = make({ maxEventsPerStream: 100, maxEvents: 1000 });
      const a = await store.createStream("s");
      const b = await store.createStream("s");
      const ids = new Set<string>();
      for (let i = 0; i < 10; i++) {
        ids.add(await store.append("s", a, note(i)));
        ids.add(await store.append("s", b, note(i)));
      }
      ids.add(await store.append("s", a, null));
      assert.equal(ids.size, 21);
    });

    test("T-RES-02: replay returns the later events of the same stream, oldest first", async () => {
      const store = make({ maxEventsPerStream: 100, maxEvents: 1000 });
      const a = await store.createStream("s");
      const priming = await store.append("s", a, null);
      await store.append("s", a, note(1));
      const second = await store.append("s", a, note(2));
      await store.append("s", a, note(3));
      const r = await store.replayAfter("s", priming);
      assert.equal(r.type, "found");
      assert.ok(r.type === "found");
      assert.equal(r.streamId, a);
      assert.deepEqual(r.events.map((e) => e.message), [note(1), note(2), note(3)]);
      const r2 = await store.replayAfter("s", second);
      assert.ok(r2.type === "found");
      assert.deepEqual(r2.events.map((e) => e.message), [note(3)]);
    });

    test("T-RES-03: replay never returns events of another stream", async () => {
      const store = make({ maxEventsPerStream: 100, maxEvents: 1000 });
      const a = await store.createStream("s");
      const b = await store.createStream("s");
      const first = await store.append("s", a, note(1));
      await store.append("s", b, note(100));
      await store.append("s", a, note(2));
      await store.append("s", b, note(101));
      const r = await store.replayAfter("s", first);
      assert.ok(r.type === "found");
      assert.deepEqual(r.events.map((e) => e.message), [note(2)]);
    });

    test("ids of another session, and made-up ids, are unknown", async () => {
      const store = make({ maxEventsPerStream: 100, maxEvents: 1000 });
      const a = await store.createStream("s1");
      const id = await store.append("s1", a, note(1));
      assert.equal((await store.replayAfter("s2", id)).type, "unknown");
      for (const bogus of ["", "nope", "999.0", `${a}.999`, `${a}.-1`, `${a}.x`]) {
        assert.equal((await store.replayAfter("s1", bogus)).type, "unknown", bogus);
      }
    });

    test("the per-stream cap evicts the oldest events; a cursor before them is reported evicted", async () => {
      const store = make({ maxEventsPerStream: 3, maxEvents: 1000 });
      const a = await store.createStream("s");
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push(await store.append("s", a, note(i)));
      assert.equal((await store.stats()).events, 3);
      assert.equal((await store.replayAfter("s", ids[0]!)).type, "evicted");
      const r = await store.replayAfter("s", ids[2]!); // events 3, 4, 5 are kept
      assert.ok(r.type === "found");
      assert.deepEqual(r.events.map((e) => e.message), [note(3), note(4), note(5)]);
    });

    test("the per-stream byte cap evicts the oldest events of a big stream", async () => {
      const store = make({ maxEventsPerStream: 1000, maxEvents: 100_000, maxBytesPerStream: 1024 * 1024 });
      const s = await store.createStream("s");
      const big: JsonRpcMessage = {
        jsonrpc: "2.0",
        method: "notifications/message",
        params: { data: "x".repeat(64 * 1024) },
      };
      for (let i = 0; i < 200; i++) await store.append("s", s, big); // 12.8 MB in all
      const { bytes, events } = await store.stats();
      assert.ok(bytes <= 1024 * 1024, `${bytes} bytes kept`);
      assert.ok(events < 200 && events > 0, `${events} events kept`);
    });

    test("the total cap is never exceeded, however many events are driven through", async () => {
      const store = make({ maxEventsPerStream: 50, maxEvents: 120 });
      let max = 0;
      for (let s = 0; s < 10; s++) {
        const stream = await store.createStream(`session-${s % 3}`);
        for (let i = 0; i < 40; i++) {
          await store.append(`session-${s % 3}`, stream, note(i));
          max = Math.max(max, (await store.stats()).events);
        }
      }
      assert.ok(max <= 120, `peak ${max} events`);
      assert.equal((await store.stats()).events, 120);
    });

    test("deleting a session forgets its streams and events", async () => {
      const store = make({ maxEventsPerStream: 100, maxEvents: 1000 });
      const a = await store.createStream("s");
      const id = await store.append("s", a, note(1));
      await store.append("s", a, note(2));
      await store.deleteSession("s");
      assert.equal((await store.replayAfter("s", id)).type, "unknown");
      assert.deepEqual(await store.stats(), { events: 0, streams: 0, bytes: 0 });
    });

    test("deleting a session again, or one that never had a stream, changes nothing", async () => {
      const store = make({ maxEventsPerStream: 100, maxEvents: 1000 });
      const a = await store.createStream("kept");
      const id = await store.append("kept", a, note(1));
      await store.append("kept", a, note(2));
      const before = await store.stats();
      await store.deleteSession("never");
      await store.createStream("gone");
      await store.deleteSession("gone");
      await store.deleteSession("gone");
      assert.deepEqual(await store.stats(), before);
      const r = await store.replayAfter("kept", id);
      assert.ok(r.type === "found");
      assert.deepEqual(r.events.map((e) => e.message), [note(2)]);
    });
  });
}

/** A minimal session record (revision 2025-06-18) with this id, created and last seen at `lastSeenAt` (ms). */
export function sampleSessionRecord(id: string, lastSeenAt = 0): SessionRecord {
  return {
    id,
    revision: "2025-06-18",
    initialize: { jsonrpc: "2.0", id: 1, method: "initialize" },
    createdAt: lastSeenAt,
    lastSeenAt,
  };
}

/** Runs the SessionStore port suite against stores made by `make`. */
export function sessionStoreSuite(name: string, make: () => SessionStore): void {
  describe(`SessionStore port: ${name}`, () => {
    test("set, get and delete a record", async () => {
      const store = make();
      await store.set(sampleSessionRecord("a", 1));
      assert.deepEqual(await store.get("a"), sampleSessionRecord("a", 1));
      assert.equal(await store.size(), 1);
      await store.delete("a");
      assert.equal(await store.get("a"), undefined);
      assert.equal(await store.size(), 0);
    });

    test("a stored record is a copy: later changes to the object do not leak in", async () => {
      const store = make();
      const r = sampleSessionRecord("a", 1);
      await store.set(r);
      r.lastSeenAt = 99;
      assert.equal((await store.get("a"))!.lastSeenAt, 1);
    });

    test("touch updates lastSeenAt, and says false for unknown ids", async () => {
      const store = make();
      await store.set(sampleSessionRecord("a", 1));
      assert.equal(await store.touch("a", 50), true);
      assert.equal(await store.touch("zzz", 50), false);
      assert.equal((await store.get("a"))!.lastSeenAt, 50);
      assert.equal(await store.size(), 1);
    });

    test("expire removes exactly the sessions idle since before the cutoff", async () => {
      const store = make();
      await store.set(sampleSessionRecord("old", 10));
      await store.set(sampleSessionRecord("new", 100));
      assert.deepEqual(await store.expire(50), ["old"]);
      assert.equal(await store.get("old"), undefined);
      assert.ok(await store.get("new"));
    });
  });
}
