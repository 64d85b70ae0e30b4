/**
 * Resumability checks: unique event ids, resuming with Last-Event-ID, no replay of other streams, priming
 * events (2025-11-25), and disconnects that do not cancel work.
 *
 * @module
 */
import type { Context, Reply, Session } from "../context.ts";
import { describe, excerpt, messagesOf, SkipError } from "../context.ts";
import { reconnect, retryOf } from "../follow.ts";
import type { Check, Outcome } from "../types.ts";
import { isResponse, ONLY_2025_11, progressToken, STREAMABLE } from "./_helpers.ts";

const T = "2025-03-26 basic/transports §Resumability and redelivery";
const T11 = "2025-11-25 basic/transports §Resumability and redelivery";

interface Dropped {
  id: string;
  token: string;
  lastEventId: string;
  first: Reply;
}

/**
 * Starts the stream tool, reads until the first id-bearing event (a priming event counts: it exists to make
 * this point resumable), then drops the connection.
 */
async function startAndDrop(ctx: Context, s: Session): Promise<Dropped> {
  const token = ctx.nextId("progress");
  const { id, reply } = await ctx.startStreamTool(s, token);
  if (!reply.isSse) throw new SkipError(`the stream tool was answered with ${describe(reply)}, not SSE`);
  let lastEventId: string | undefined;
  while (true) {
    const item = await reply.nextItem();
    if (item === "end" || item === "timeout") break;
    if (item.type !== "event" || !item.id) continue;
    lastEventId = item.id;
    if (messagesOf(item.data).some((m) => isResponse(m) && m.id === id)) {
      throw new SkipError("the response arrived before there was a chance to disconnect; use a slower --stream-tool");
    }
    break;
  }
  if (lastEventId === undefined) {
    throw new SkipError("the stream carried no event ids, so it cannot be resumed (ids are optional)");
  }
  await reply.close();
  return { id, token, lastEventId, first: reply };
}

/** Reconnects like a client: waits the server's `retry` (bounded) and retries while it answers 409. */
function reconnectDropped(ctx: Context, s: Session, d: Dropped): Promise<Reply> {
  const retryMs = retryOf(d.first);
  return reconnect(s, d.lastEventId, { timeoutMs: ctx.timeoutMs, ...(retryMs === undefined ? {} : { retryMs }) });
}

/** Resumes with GET + Last-Event-ID; returns undefined when the server does not offer it. */
async function resume(ctx: Context, s: Session, d: Dropped): Promise<Reply | undefined> {
  const reply = await reconnectDropped(ctx, s, d);
  if (reply.status !== 200 || !reply.isSse) {
    await reply.text();
    return undefined;
  }
  return reply;
}

/**
 * Reads the response to the dropped request from the resumed stream `again`: a pass when it arrives, else a
 * fail saying why it is missing, with the first and the resumed stream as evidence.
 */
async function readResumed(
  ctx: Context,
  d: Dropped,
  again: Reply,
  verdict: { pass: string; fail: string; expected: string },
): Promise<Outcome> {
  const read = await again.readResponse(d.id, ctx.streamWaitMs);
  if (read.matched) return ctx.pass(verdict.pass);
  return ctx.fail(`${verdict.fail} (waited ${ctx.streamWaitMs} ms)`, {
    expected: verdict.expected,
    actual: ctx.whyMissing(read, ctx.streamWaitMs),
    evidence: [d.first, again],
  });
}

/** Checks of the resumability area. */
export const RESUMABILITY_CHECKS: Check[] = [
  {
    id: "T-RES-01",
    area: "resumability",
    revisions: STREAMABLE,
    level: "MUST",
    title: "SSE event ids are unique across all streams of a session",
    specRef: T,
    async run(ctx) {
      const s = await ctx.initialize();
      const get = await s.get();
      const replies: Reply[] = [get];
      for (let i = 0; i < 2; i++) {
        const { id, reply } = await ctx.openSseResponse(s);
        const followed = ctx.follow(s, reply);
        await followed.readResponse(id);
        replies.push(...followed.replies);
      }
      if (get.isSse) await get.readUntil(() => false, ctx.quietMs);
      const seen = new Map<string, number>();
      for (const r of replies) {
        // An empty id field resets the last event id; it is not an id.
        for (const item of r.items) {
          if (item.type === "event" && item.id) seen.set(item.id, (seen.get(item.id) ?? 0) + 1);
        }
      }
      const dup = [...seen].find(([, n]) => n > 1);
      if (dup) {
        return ctx.fail(`event id ${JSON.stringify(dup[0])} was used ${dup[1]} times across the session's streams`, {
          expected: "every event id unique within the session",
          actual: `duplicate id ${dup[0]}`,
          evidence: replies.slice(1),
        });
      }
      return ctx.pass(
        seen.size === 0 ? "no event ids are used (they are optional)" : `${seen.size} event ids, all unique`,
      );
    },
  },
  {
    id: "T-RES-02",
    area: "resumability",
    revisions: STREAMABLE,
    level: "MAY",
    title: "GET with Last-Event-ID resumes a broken request stream",
    specRef: T,
    async run(ctx) {
      const s = await ctx.initialize();
      const d = await startAndDrop(ctx, s);
      const again = await resume(ctx, s, d);
      if (!again) return ctx.info("resumption is not offered (GET with Last-Event-ID did not open an SSE stream)");
      return await readResumed(ctx, d, again, {
        pass: "the rest of the stream, with the response, arrived after resuming",
        fail: "GET with Last-Event-ID opened a stream but the response to the request never arrived",
        expected: `the response to ${d.id} on the resumed stream`,
      });
    },
  },
  {
    id: "T-RES-03",
    area: "resumability",
    revisions: STREAMABLE,
    level: "MUST",
    title: "Resuming never replays messages of another stream",
    specRef: T,
    async run(ctx) {
      const s = await ctx.initialize();
      const tokenB = ctx.nextId("progress-b");
      const b = await ctx.startStreamTool(s, tokenB);
      if (b.reply.status !== 200) return ctx.skip(`a second concurrent stream was refused (HTTP ${b.reply.status})`);
      const d = await startAndDrop(ctx, s);
      await ctx.follow(s, b.reply).readResponse(b.id);
      const again = await resume(ctx, s, d);
      if (!again) return ctx.skip("resumption is not offered, so nothing can be replayed");
      await again.readResponse(d.id);
      const foreign = again.messages.find((m) => m.id === b.id || progressToken(m) === tokenB);
      if (foreign) {
        return ctx.fail("the resumed stream replayed a message that belonged to another stream", {
          expected: `only messages of request ${d.id}`,
          actual: excerpt(foreign),
          evidence: [again],
        });
      }
      return ctx.pass("only the resumed stream's messages were replayed");
    },
  },
  {
    id: "T-RES-04",
    area: "resumability",
    revisions: ONLY_2025_11,
    level: "SHOULD",
    title: "A POST SSE stream starts with a priming event (id, empty data)",
    specRef: T11,
    async run(ctx) {
      const s = await ctx.initialize();
      const { id, reply } = await ctx.openSseResponse(s);
      const first = await reply.nextEvent();
      const read = await reply.readResponse(id);
      const priming = typeof first === "object" && first.type === "event" && first.id !== undefined &&
        first.data === "";
      if (!read.matched && read.ended) {
        const hasId = reply.items.some((i) => i.type === "event" && i.id !== undefined);
        const hasRetry = reply.items.some((i) => i.type === "retry");
        if (!hasId || !hasRetry) {
          return ctx.fail(
            "the server closed the connection before the response without an event id and a retry field",
            {
              expected: "an id-bearing event and retry: before closing early",
              actual: `id ${hasId ? "seen" : "missing"}, retry ${hasRetry ? "seen" : "missing"}`,
            },
          );
        }
      }
      if (!priming) {
        return ctx.fail("the first event of the POST SSE stream is not a priming event", {
          expected: "first event with an id and empty data",
          actual: typeof first === "object" ? excerpt(first) : first,
          evidence: [reply],
        });
      }
      return ctx.pass("the stream starts with a priming event");
    },
  },
  {
    id: "T-RES-05",
    area: "resumability",
    revisions: ONLY_2025_11,
    level: "SHOULD",
    title: "A POST-originated stream can be resumed with GET",
    specRef: T11,
    async run(ctx) {
      const s = await ctx.initialize();
      const d = await startAndDrop(ctx, s);
      const again = await reconnectDropped(ctx, s, d);
      if (again.status !== 200 || !again.isSse) {
        await again.text();
        return ctx.fail(`GET with Last-Event-ID answered ${again.status}`, {
          expected: "an SSE stream that continues the request stream",
          actual: describe(again),
          evidence: [d.first, again],
        });
      }
      return await readResumed(ctx, d, again, {
        pass: "the response arrived on the resumed stream",
        fail: "the resumed stream did not deliver the response of the original request",
        expected: `the response to ${d.id}`,
      });
    },
  },
  {
    id: "T-RES-08",
    area: "resumability",
    revisions: STREAMABLE,
    level: "MAY",
    title: "An unknown Last-Event-ID is handled without a server error",
    specRef: T,
    async run(ctx) {
      const s = await ctx.initialize();
      const reply = await s.get({ headers: { "last-event-id": "mcpwire-bogus-event-id" } });
      await reply.close();
      if (reply.status >= 500) {
        return ctx.fail(`GET with an unknown Last-Event-ID answered ${reply.status}`, {
          expected: "a fresh stream, 4xx (400 is usual) or 405 — never a server error",
          actual: describe(reply),
        });
      }
      return ctx.pass(`answered ${reply.status}${reply.isSse ? " (a stream)" : ""}`);
    },
  },
  {
    id: "T-POST-09",
    area: "resumability",
    revisions: STREAMABLE,
    level: "SHOULD",
    title: "A dropped connection does not cancel the request",
    specRef: "2025-03-26 basic/transports §Sending messages to the server; basic/utilities/cancellation",
    async run(ctx) {
      const s = await ctx.initialize();
      const d = await startAndDrop(ctx, s);
      const again = await resume(ctx, s, d);
      if (!again) return ctx.skip("resumption is not offered, so work after a disconnect cannot be observed");
      const read = await again.readResponse(d.id, ctx.streamWaitMs);
      if (read.matched && "result" in read.matched) return ctx.pass("the request completed after the disconnect");
      return ctx.fail(
        `after the client disconnected and resumed, the request did not complete within ${ctx.streamWaitMs} ms: either the disconnect cancelled it, or resumption loses later events (compare T-RES-02)`,
        {
          expected: "the result, delivered on resumption",
          actual: read.matched ? excerpt(read.matched) : "no response",
          evidence: [d.first, again],
        },
      );
    },
  },
];
