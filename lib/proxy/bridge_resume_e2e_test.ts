/**
 * End to end, resumption across the bridge (T-RES-02, T-GET-04): the real 1.x SDK client's GET stream through
 * `mcpwire reverse` (cli.ts) in front of the 2026-07-28 server, which keeps no events, breaks after a few
 * notifications; notifications published while the client is away go into mcpwire's event store; the client
 * reconnects with `Last-Event-ID` (its own reconnection logic) and gets exactly the sequence published —
 * none lost, none twice, in order — while the upstream's `subscriptions/listen` stream is never re-opened.
 *
 * The break is made in the client's `fetch` (the transport's own option): after the K-th notification the
 * first GET's body drops two more that mcpwire did send (lost in flight) and errors; the reconnection GET is
 * held until the gap notifications are stored. Without `Last-Event-ID` replay the in-flight ones would be lost.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { StreamableHTTPClientTransport } from "../../testing/deps.ts";
import type { ModernServer } from "../../testing/modern.ts";
import {
  type BridgedClient,
  bridgedClient,
  type BridgedReverse,
  startBridgedReverse,
  until,
} from "../../testing/bridge.ts";
import { parseTape, type TapeMessage } from "../record/tape.ts";

const BEFORE = 3;
const IN_FLIGHT = 2;
const GAP = 4;
const AFTER = 2;
const KINDS = ["tools/list_changed", "resources/updated"] as const;

/** A `fetch` whose first GET stream breaks after `armed` notifications, and whose next GET waits for `release`. */
function breakingFetch() {
  const state = {
    gets: 0,
    armed: Infinity,
    broken: false,
    lastIdBeforeBreak: undefined as string | undefined,
    resumedWith: undefined as string | null | undefined,
    release: () => {},
  };
  const held = new Promise<void>((resolve) => (state.release = resolve));
  const wrapped = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    if ((init?.method ?? "GET") !== "GET") return await fetch(input, init);
    const n = ++state.gets;
    if (n > 1) {
      state.resumedWith = new Headers(init?.headers).get("last-event-id");
      await held;
      return await fetch(input, init);
    }
    const response = await fetch(input, init);
    return new Response(_breaking(response.body!, state), { status: response.status, headers: response.headers });
  };
  return { state, fetch: wrapped };
}

/**
 * The first GET's body, event by event: everything up to the `armed`-th notification reaches the client;
 * the next `IN_FLIGHT` notifications are read off the connection (mcpwire wrote them, so they count as sent)
 * but dropped, as on a connection that died with data in flight; then the stream errors.
 */
function _breaking(body: ReadableStream<Uint8Array>, state: ReturnType<typeof breakingFetch>["state"]) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let text = "";
  let notifications = 0;
  let dropped = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // A pull that enqueues nothing is not called again by itself: read on until something passes or it breaks.
      for (let passed = false; !passed;) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        text += decoder.decode(value, { stream: true });
        const parts = text.split(/\r?\n\r?\n/);
        text = parts.pop()!;
        for (const event of parts) {
          if (event.includes("notifications/")) notifications++;
          if (notifications <= state.armed) {
            controller.enqueue(encoder.encode(`${event}\n\n`));
            state.lastIdBeforeBreak = /^id: ?(.*)$/m.exec(event)?.[1] ?? state.lastIdBeforeBreak;
            passed = true;
          } else if (++dropped >= IN_FLIGHT) {
            state.broken = true;
            await reader.cancel().catch(() => {});
            return controller.error(new Error("the GET stream broke (test)"));
          }
        }
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

describe("a 1.x client resumes its GET stream through mcpwire in front of a 2026-07-28 server", () => {
  let bridge: BridgedReverse;
  let server: ModernServer;
  before(async () => {
    bridge = await startBridgedReverse();
    server = bridge.server;
  });
  after(async () => {
    await bridge?.close();
  });

  /** Publishes the `i`-th notification of the sequence upstream (tools and resource changes alternate). */
  const publish = (i: number) =>
    KINDS[i % 2] === "tools/list_changed" ? server.toolsChanged() : server.resourceUpdated();

  /** The client's hop of the tape: standalone-stream notifications stored since `since` (ms since the epoch). */
  const stored = async (since: number) =>
    parseTape(await readFile(bridge.tape, "utf8")).records.filter((r): r is TapeMessage =>
      r.type === "message" && r.stream === "get" && r.revision !== "2026-07-28" && r.at >= since &&
      r.eventId !== undefined && "method" in r.message && r.message.method.startsWith("notifications/")
    ).length;

  test("no notification is lost or repeated across the break", { timeout: 60_000 }, async () => {
    const broken = breakingFetch();
    const bridged: BridgedClient = bridgedClient("bridge-resume");
    const transport = new StreamableHTTPClientTransport(bridge.reverse.endpoint, {
      fetch: broken.fetch,
      reconnectionOptions: {
        initialReconnectionDelay: 50,
        maxReconnectionDelay: 200,
        reconnectionDelayGrowFactor: 1,
        maxRetries: 20,
      },
    });
    await bridged.client.connect(transport);
    try {
      await bridged.client.subscribeResource({ uri: "mcpwire://greeting" });
      // The listen stream is re-opened with the subscription: wait until a change gets through, then settle.
      await until(async () => {
        await server.resourceUpdated();
        await until(() => bridged.notified.length > 0, "the probe", 1_000).catch(() => {});
        return bridged.notified.length > 0;
      }, "the first notification");
      await new Promise((resolve) => setTimeout(resolve, 300));
      const listens = (await server.log()).requests.filter((r) => r.body?.method === "subscriptions/listen").length;
      const probes = bridged.notified.length;
      broken.state.armed = probes + BEFORE;
      const expected: string[] = [];
      for (let i = 0; i < BEFORE; i++) {
        await publish(i);
        expected.push(KINDS[i % 2]!);
        await until(() => bridged.notified.length === probes + i + 1, `notification ${i} before the break`);
      }
      // Sent by mcpwire on the old connection, lost on the way: only Last-Event-ID can bring them back.
      for (let i = BEFORE; i < BEFORE + IN_FLIGHT; i++) {
        await publish(i);
        expected.push(KINDS[i % 2]!);
      }
      await until(() => broken.state.broken && broken.state.gets === 2, "the break and the reconnection GET");
      const gapStart = Date.now();
      for (let i = BEFORE + IN_FLIGHT; i < BEFORE + IN_FLIGHT + GAP; i++) {
        await publish(i);
        expected.push(KINDS[i % 2]!);
      }
      await until(async () => (await stored(gapStart)) >= GAP, "the gap notifications in mcpwire's event store");
      assert.equal(bridged.notified.length, probes + BEFORE, "nothing reached the client while it was away");
      broken.state.release();
      for (let i = BEFORE + IN_FLIGHT + GAP; i < BEFORE + IN_FLIGHT + GAP + AFTER; i++) {
        await until(() => bridged.notified.length >= probes + i, `the replay before live notification ${i}`);
        await publish(i);
        expected.push(KINDS[i % 2]!);
      }
      await until(() => bridged.notified.length >= probes + expected.length, "every notification");
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(bridged.notified.slice(probes), expected, "the exact sequence: none lost, none twice, in order");
      assert.ok(broken.state.lastIdBeforeBreak, "the broken stream carried event ids");
      assert.equal(broken.state.resumedWith, broken.state.lastIdBeforeBreak, "resumed with Last-Event-ID");
      assert.equal(broken.state.gets, 2, "one reconnection");
      const now = (await server.log()).requests.filter((r) => r.body?.method === "subscriptions/listen").length;
      assert.equal(now, listens, "the upstream listen stream stayed open: resumption came from mcpwire's store");
    } finally {
      broken.state.release();
      await bridged.client.close();
    }
  });
});
