/**
 * Lifecycle checks: version negotiation, nothing but pings before `initialized`, cancellation.
 *
 * @module
 */
import { describe, excerpt, initializeRequest, notification, SkipError } from "../context.ts";
import type { Check } from "../types.ts";
import { isRequest, isResponse, plausibleVersion, progressToken, STREAMABLE } from "./_helpers.ts";

/** Checks of the lifecycle area. */
export const LIFECYCLE_CHECKS: Check[] = [
  {
    id: "T-LIFE-01",
    area: "lifecycle",
    revisions: STREAMABLE,
    level: "MUST",
    title: "initialize answers with the requested version or another supported one",
    specRef: "basic/lifecycle §Version negotiation",
    async run(ctx) {
      for (const requested of [ctx.revision, "1999-01-01"]) {
        const id = ctx.nextId("init");
        const reply = await ctx.post(initializeRequest(id, requested));
        const read = await reply.readResponse(id);
        const result = read.matched?.result as Record<string, unknown> | undefined;
        const version = result?.protocolVersion;
        if (!result || typeof version !== "string") {
          return ctx.fail(`initialize with protocolVersion ${requested} did not return an InitializeResult`, {
            expected: "a result naming the requested version or one the server supports",
            actual: describe(reply),
          });
        }
        if (requested === "1999-01-01" && !plausibleVersion(version)) {
          return ctx.fail(`for an unsupported version the server answered protocolVersion ${version}`, {
            expected: "a protocol version the server supports (ideally its latest)",
            actual: version,
          });
        }
      }
      return ctx.pass("the requested version is answered, and an unknown one gets a supported alternative");
    },
  },
  {
    id: "T-LIFE-02",
    area: "lifecycle",
    revisions: STREAMABLE,
    level: "SHOULD",
    title: "No server requests other than ping before initialized",
    specRef: "basic/lifecycle §Initialization",
    async run(ctx) {
      const s = await ctx.initialize({ sendInitialized: false });
      const get = await s.get();
      if (get.status !== 200 || !get.isSse) {
        await get.close();
        return ctx.skip(`GET before initialized answered ${get.status}; nothing to observe`);
      }
      return await ctx.expectNone(get, (m) => isRequest(m) && m.method !== "ping", {
        pass: "no requests before initialized",
        fail: (m) => `the server sent a ${String(m.method)} request before notifications/initialized`,
        expected: "only ping (and logging) before initialized",
      });
    },
  },
  {
    id: "T-LIFE-04",
    area: "lifecycle",
    revisions: STREAMABLE,
    level: "SHOULD",
    title: "A cancelled request is not answered; unknown cancellations are ignored",
    specRef: "basic/utilities/cancellation",
    async run(ctx) {
      const s = await ctx.initialize();
      const token = ctx.nextId("progress");
      const { id, reply } = await ctx.startStreamTool(s, token);
      if (!reply.isSse) {
        throw new SkipError(
          `the stream tool was answered with ${describe(reply)}; it finished before it could be cancelled`,
        );
      }
      const followed = ctx.follow(s, reply);
      const first = await followed.readUntil((m) => progressToken(m) === token || (isResponse(m) && m.id === id));
      if (!first.matched || isResponse(first.matched)) {
        return ctx.skip("the tool finished before it could be cancelled");
      }
      const p = (first.matched.params ?? {}) as Record<string, unknown>;
      if (typeof p.total === "number" && typeof p.progress === "number" && p.progress >= p.total) {
        return ctx.skip("the first progress seen was already the last step; use a slower --stream-tool");
      }
      if (followed.reconnects > 0 && followed.current.items.length > 0) {
        // Events replayed after a reconnect arrive together: the response may already be on the wire.
        const pending = await followed.current.readUntil((m) => isResponse(m) && m.id === id, 20);
        if (pending.matched) {
          return ctx.skip("the tool finished while the stream was being resumed; use a slower --stream-tool");
        }
      }
      const cancel = await s.post(
        notification("notifications/cancelled", { requestId: id, reason: "conformance test" }),
      );
      await cancel.text();
      if (cancel.status !== 202) {
        return ctx.fail(`notifications/cancelled answered ${cancel.status}`, {
          expected: "HTTP 202",
          actual: describe(cancel),
        });
      }
      const rest = await followed.readResponse(id, ctx.streamWaitMs);
      if (rest.matched) {
        return ctx.fail("the cancelled request was still answered", {
          expected: "no response after notifications/cancelled",
          actual: excerpt(rest.matched),
          evidence: [cancel, reply],
        });
      }
      const unknown = await s.post(notification("notifications/cancelled", { requestId: "mcpwire-never-sent" }));
      await unknown.text();
      if (unknown.status !== 202) {
        return ctx.fail(`cancelling an unknown request answered ${unknown.status}`, {
          expected: "HTTP 202 (ignored)",
          actual: describe(unknown),
        });
      }
      return ctx.pass(`the cancelled request was not answered within ${ctx.streamWaitMs} ms`);
    },
  },
];
