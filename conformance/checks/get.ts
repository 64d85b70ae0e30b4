/**
 * GET stream and multiple-stream checks: SSE or 405, no responses on the GET stream, progress on the
 * request's own stream, `retry` before dropping, no broadcasting, concurrent streams.
 *
 * @module
 */
import { describe, type Message, type Reply, rpc, SkipError } from "../context.ts";
import type { Check } from "../types.ts";
import { isResponse, ONLY_2025_11, progressToken, STREAMABLE } from "./_helpers.ts";

const T = "2025-03-26 basic/transports §Listening for messages from the server";

/** Checks of the GET and multiple-streams area. */
export const GET_CHECKS: Check[] = [
  {
    id: "T-GET-01",
    area: "get",
    revisions: STREAMABLE,
    level: "MUST",
    title: "GET on the endpoint returns an SSE stream or 405",
    specRef: T,
    async run(ctx) {
      const s = await ctx.initialize();
      const reply = await s.get();
      await reply.close();
      const good = (r: Reply) => r.status === 405 || (r.status === 200 && r.isSse);
      if (!good(reply)) {
        return ctx.fail(`GET answered ${describe(reply)}`, {
          expected: "200 text/event-stream, or 405 Method Not Allowed",
          actual: describe(reply),
          evidence: [reply],
        });
      }
      if (!s.id) return ctx.pass(`GET answered ${reply.status}`);
      const bare = await ctx.request("GET", { headers: { accept: "text/event-stream" } });
      await bare.close();
      if (good(bare) || bare.status === 401 || bare.status === 403) {
        return ctx.pass(`GET answered ${reply.status}; without a session ${bare.status}`);
      }
      return ctx.strictWarn(
        `with a session GET answered ${reply.status}, but without a session ${bare.status}; the transport text still says SSE or 405 (400 is common, e.g. the TypeScript SDK)`,
        { expected: "405 (or an SSE stream) for GET without a session", actual: describe(bare), evidence: [bare] },
      );
    },
  },
  {
    id: "T-GET-03",
    area: "get",
    revisions: STREAMABLE,
    level: "MUST",
    title: "The GET stream carries no JSON-RPC responses",
    specRef: T,
    async run(ctx) {
      const s = await ctx.initialize();
      const get = await ctx.openGetStream(s);
      await s.call("ping", {});
      await s.call("tools/list", {});
      const notify = await ctx.notifyTool(s).catch(() => undefined);
      if (notify) await s.call("tools/call", { name: notify.name, arguments: notify.args });
      return await ctx.expectNone(get, isResponse, {
        pass: "no responses appeared on the GET stream",
        fail: (m) => `the GET stream carried a response (id ${JSON.stringify(m.id)})`,
        expected: "only requests and notifications on the GET stream",
      });
    },
  },
  {
    id: "T-GET-04",
    area: "get",
    revisions: STREAMABLE,
    level: "SHOULD",
    title: "Progress of a POSTed request does not go to the GET stream",
    specRef: T,
    async run(ctx) {
      const s = await ctx.initialize();
      const get = await ctx.openGetStream(s);
      const token = ctx.nextId("progress");
      const { id, reply } = await ctx.startStreamTool(s, token);
      const own = ctx.follow(s, reply);
      await own.readResponse(id);
      return await ctx.expectNone(get, (m) => progressToken(m) === token, {
        pass: "no progress of the request appeared on the GET stream",
        fail: () => "progress for a POSTed request arrived on the GET stream instead of the request's own stream",
        expected: "progress on the POST response stream",
        evidence: [get, reply],
      });
    },
  },
  {
    id: "T-GET-05",
    area: "get",
    revisions: ONLY_2025_11,
    level: "SHOULD",
    title: "A GET connection dropped by the server is preceded by retry",
    specRef: "2025-11-25 basic/transports §Listening for messages from the server",
    async run(ctx) {
      const s = await ctx.initialize();
      const get = await ctx.openGetStream(s);
      const wait = Math.min(ctx.timeoutMs, 1500);
      const read = await get.readUntil(() => false, wait);
      if (!read.ended) return ctx.pass(`the GET stream stayed open for ${wait} ms`);
      if (get.items.some((i) => i.type === "retry")) {
        return ctx.pass("the server sent retry before closing the connection");
      }
      return ctx.fail("the server closed the GET connection without sending a retry field first", {
        expected: "a retry: field before the connection closes, so the client knows when to reconnect",
        actual: "connection closed, no retry",
      });
    },
  },
  {
    id: "T-MULTI-01",
    area: "get",
    revisions: STREAMABLE,
    level: "MUST",
    title: "A server message goes to exactly one stream",
    specRef: "2025-03-26 basic/transports §Multiple connections",
    async run(ctx) {
      const s = await ctx.initialize();
      const notify = await ctx.notifyTool(s);
      const get = await ctx.openGetStream(s);
      const other = await ctx.startStreamTool(s, ctx.nextId("progress")).catch((e) => {
        if (e instanceof SkipError) return undefined;
        throw e;
      });
      const call = await s.call("tools/call", { name: notify.name, arguments: notify.args });
      const isNote = (m: Message) =>
        typeof m.method === "string" && m.method.startsWith("notifications/") && m.method.endsWith("list_changed");
      await get.readUntil(() => false, ctx.quietMs);
      const otherFollowed = other ? ctx.follow(s, other.reply) : undefined;
      if (other && otherFollowed) await otherFollowed.readResponse(other.id);
      // A broadcast is the same message on two streams; the same notification twice on one stream is legal.
      const streams = [get, ...call.replies, ...(otherFollowed ? otherFollowed.replies : [])];
      const seenOn = new Map<string, number>();
      for (const reply of streams) {
        for (const text of new Set(reply.messages.filter(isNote).map((m) => JSON.stringify(m)))) {
          seenOn.set(text, (seenOn.get(text) ?? 0) + 1);
        }
      }
      const broadcast = [...seenOn].find(([, n]) => n > 1);
      if (broadcast) {
        return ctx.fail(`one notification was delivered on ${broadcast[1]} different streams`, {
          expected: "each server message on exactly one stream",
          actual: broadcast[0].slice(0, 200),
          evidence: streams.filter((r) => r.messages.some((m) => JSON.stringify(m) === broadcast[0])),
        });
      }
      if (seenOn.size === 0) {
        return ctx.info("the notify tool produced no list_changed notification on any stream; nothing to count");
      }
      return ctx.pass("the notification arrived exactly once");
    },
  },
  {
    id: "T-MULTI-02",
    area: "get",
    revisions: STREAMABLE,
    level: "SHOULD",
    title: "Several concurrent request streams each complete with their own response",
    specRef: "2025-03-26 basic/transports §Multiple connections",
    async run(ctx) {
      const s = await ctx.initialize();
      const { method, params } = await ctx.streamingRequest(s);
      const ids = [ctx.nextId("multi"), ctx.nextId("multi"), ctx.nextId("multi")];
      const replies = await Promise.all(ids.map((id) => s.post(rpc(id, method, params))));
      const reads = await Promise.all(replies.map((r, i) => ctx.follow(s, r).readResponse(ids[i]!)));
      const bad = reads.findIndex((r) => !r.matched);
      if (bad !== -1) {
        return ctx.fail(
          `concurrent request ${ids[bad]} got no response on its own stream (HTTP ${replies[bad]!.status})`,
          {
            expected: "three responses, each on its own HTTP response",
            actual: describe(replies[bad]!),
            evidence: [replies[bad]!],
          },
        );
      }
      const stray = reads.findIndex((r, i) => r.messages.some((m) => isResponse(m) && m.id !== ids[i]));
      if (stray !== -1) {
        return ctx.fail(`a response to another request arrived on the stream of ${ids[stray]}`, {
          expected: "each response on the stream of its own request",
          actual: JSON.stringify(reads[stray]!.messages.find((m) => isResponse(m) && m.id !== ids[stray])).slice(
            0,
            200,
          ),
          evidence: [replies[stray]!],
        });
      }
      return ctx.pass("three concurrent requests completed on their own streams");
    },
  },
];
