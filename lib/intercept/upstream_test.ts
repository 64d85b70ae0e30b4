import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import type { SendContext, Upstream, UpstreamMessage, UpstreamReply } from "../upstream/types.ts";
import { createInterceptorChain } from "./chain.ts";
import { interceptUpstream } from "./upstream.ts";
import type { Interceptor } from "./types.ts";

/** An in-process upstream: records what it is sent; replies come from `reply`; `push` feeds its GET stream. */
function fakeUpstream(reply: (messages: JsonRpcMessage[]) => UpstreamReply) {
  const sent: JsonRpcMessage[][] = [];
  let listener: ReadableStreamDefaultController<UpstreamMessage> | undefined;
  const upstream: Upstream = {
    description: "fake",
    connect: () => ({
      send: (messages: JsonRpcMessage[], _c?: SendContext) => {
        sent.push(messages);
        return Promise.resolve(reply(messages));
      },
      listen: () => Promise.resolve(new ReadableStream<UpstreamMessage>({ start: (c) => void (listener = c) })),
      close: () => Promise.resolve(),
      ended: new Promise<void>(() => {}),
    }),
  };
  return { upstream, sent, push: (m: JsonRpcMessage) => listener!.enqueue({ message: m }) };
}

const echoReply = (messages: JsonRpcMessage[]): UpstreamReply => {
  const requests = messages.filter((m) => "id" in m && "method" in m) as { id: number }[];
  if (requests.length === 0) return { type: "accepted" };
  return {
    type: "messages",
    delivery: "streamed",
    messages: new ReadableStream({
      start(c) {
        for (const r of requests) c.enqueue({ message: { jsonrpc: "2.0", id: r.id, result: { from: "upstream" } } });
        c.close();
      },
    }),
  };
};

async function all(reply: UpstreamReply): Promise<JsonRpcMessage[]> {
  assert.equal(reply.type, "messages");
  const out: JsonRpcMessage[] = [];
  if (reply.type === "messages") { for await (const item of reply.messages) out.push(item.message); }
  return out;
}

const req = (id: number, method = "tools/call"): JsonRpcMessage => ({ jsonrpc: "2.0", id, method });

describe("interceptUpstream", () => {
  test("a batch partly answered locally: the upstream gets only the rest, the reply merges both", async () => {
    const fake = fakeUpstream(echoReply);
    const blockOdd: Interceptor = (
      e,
    ) => ("id" in e.message && e.message.id === 1 && "method" in e.message ? { action: "block" } : undefined);
    const conn = interceptUpstream(fake.upstream, createInterceptorChain([blockOdd])).connect();
    const out = await all(await conn.send([req(1), req(2)]));
    assert.deepEqual(fake.sent, [[req(2)]]);
    assert.deepEqual(out, [
      { jsonrpc: "2.0", id: 1, error: { code: -32000, message: "Blocked by interceptor" } },
      { jsonrpc: "2.0", id: 2, result: { from: "upstream" } },
    ]);
  });

  test("a request answered locally never reaches the upstream and comes back as JSON", async () => {
    const fake = fakeUpstream(echoReply);
    const conn = interceptUpstream(
      fake.upstream,
      createInterceptorChain([() => ({ action: "respond", result: { local: true } })]),
    ).connect();
    const reply = await conn.send([req(7)]);
    assert.equal(reply.type === "messages" && reply.delivery, "complete");
    assert.deepEqual(await all(reply), [{ jsonrpc: "2.0", id: 7, result: { local: true } }]);
    assert.deepEqual(fake.sent, []);
  });

  test(
    "SSE replies are intercepted event by event, without waiting for the stream to end",
    { timeout: 5_000 },
    async () => {
      let source!: ReadableStreamDefaultController<UpstreamMessage>;
      const fake = fakeUpstream(() => ({
        type: "messages",
        delivery: "streamed",
        messages: new ReadableStream({ start: (c) => void (source = c) }),
      }));
      const seen: string[] = [];
      const conn = interceptUpstream(fake.upstream, createInterceptorChain([(e) => void seen.push(e.direction)]))
        .connect();
      const reply = await conn.send([req(1)]);
      assert.equal(reply.type, "messages");
      if (reply.type !== "messages") return;
      const reader = reply.messages.getReader();
      source.enqueue({
        message: { jsonrpc: "2.0", method: "notifications/progress", params: { progress: 1 } },
        eventId: "e1",
      });
      const first = await reader.read();
      assert.deepEqual(first.value, {
        message: { jsonrpc: "2.0", method: "notifications/progress", params: { progress: 1 } },
        eventId: "e1",
      });
      assert.deepEqual(seen, ["client-to-server", "server-to-client"]);
      source.enqueue({ message: { jsonrpc: "2.0", id: 1, result: {} } });
      source.close();
      assert.deepEqual((await reader.read()).value?.message, { jsonrpc: "2.0", id: 1, result: {} });
      assert.equal((await reader.read()).done, true);
    },
  );

  test(
    "injections: toward the server on their own, toward the client on the standalone stream",
    { timeout: 5_000 },
    async () => {
      const fake = fakeUpstream(echoReply);
      const hello: JsonRpcMessage = { jsonrpc: "2.0", method: "notifications/message", params: { data: "hi" } };
      const note: JsonRpcMessage = { jsonrpc: "2.0", method: "notifications/roots/list_changed" };
      const conn = interceptUpstream(
        fake.upstream,
        createInterceptorChain([(e) =>
          "method" in e.message && e.message.method === "notifications/initialized"
            ? {
              action: "continue",
              inject: [{ direction: "server-to-client", message: hello }, {
                direction: "client-to-server",
                message: note,
              }],
            }
            : undefined]),
      ).connect();
      const reply = await conn.send([{ jsonrpc: "2.0", method: "notifications/initialized" }]);
      assert.equal(reply.type, "accepted");
      assert.deepEqual(fake.sent, [[note], [{ jsonrpc: "2.0", method: "notifications/initialized" }]]);
      const listened = await conn.listen();
      assert.ok(listened instanceof ReadableStream);
      const reader = listened.getReader();
      assert.deepEqual((await reader.read()).value, { message: hello });
      fake.push({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      assert.deepEqual((await reader.read()).value?.message, {
        jsonrpc: "2.0",
        method: "notifications/tools/list_changed",
      });
      await reader.cancel();
    },
  );

  test(
    "a server request answered locally sends the answer upstream; the client never sees it",
    { timeout: 5_000 },
    async () => {
      const fake = fakeUpstream(() => ({ type: "accepted" }));
      const conn = interceptUpstream(
        fake.upstream,
        createInterceptorChain([
          (e) =>
            "method" in e.message && e.message.method === "sampling/createMessage"
              ? { action: "block", error: { message: "no sampling" } }
              : undefined,
        ]),
      ).connect();
      const listened = await conn.listen();
      assert.ok(listened instanceof ReadableStream);
      const reader = listened.getReader();
      fake.push({ jsonrpc: "2.0", id: "s1", method: "sampling/createMessage", params: {} });
      fake.push({ jsonrpc: "2.0", method: "notifications/message", params: {} });
      assert.deepEqual((await reader.read()).value?.message, {
        jsonrpc: "2.0",
        method: "notifications/message",
        params: {},
      });
      assert.deepEqual(fake.sent, [[{ jsonrpc: "2.0", id: "s1", error: { code: -32000, message: "no sampling" } }]]);
      await reader.cancel();
    },
  );

  test("a throwing interceptor: requests get -32603, notifications are dropped, errors are reported", async () => {
    const fake = fakeUpstream(echoReply);
    const errors: unknown[] = [];
    const chain = createInterceptorChain([() => {
      throw new Error("kaput");
    }], { onError: (e) => errors.push(e) });
    const conn = interceptUpstream(fake.upstream, chain).connect();
    assert.deepEqual(await all(await conn.send([req(3)])), [
      { jsonrpc: "2.0", id: 3, error: { code: -32603, message: "Interceptor 0 failed: kaput" } },
    ]);
    assert.deepEqual(await conn.send([{ jsonrpc: "2.0", method: "notifications/x" }]), { type: "accepted" });
    assert.deepEqual(fake.sent, []);
    assert.equal(errors.length, 2);
  });

  test("an unknown action is an interceptor failure, not a crash", async () => {
    const fake = fakeUpstream(echoReply);
    const conn = interceptUpstream(fake.upstream, createInterceptorChain([() => ({ action: "explode" }) as never]))
      .connect();
    const [answer] = await all(await conn.send([req(4)]));
    assert.match(JSON.stringify(answer), /unknown action \\"explode\\"/);
  });
});
