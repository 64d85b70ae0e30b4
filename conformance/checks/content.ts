/**
 * Content type and SSE framing checks: request media type parameters, `text/plain` bodies (strict), SSE
 * event names and payloads.
 *
 * @module
 */
import { describe, messagesOf, rpc } from "../context.ts";
import type { Check } from "../types.ts";
import { ok, STREAMABLE } from "./_helpers.ts";

/** Checks of the content types area. */
export const CONTENT_CHECKS: Check[] = [
  {
    id: "T-CT-01",
    area: "content",
    revisions: STREAMABLE,
    level: "SHOULD",
    title: "application/json with parameters is accepted; other request types are refused (strict)",
    specRef: "2025-03-26 basic/transports §Sending messages; RFC 9110 §8.3",
    async run(ctx) {
      const s = await ctx.initialize();
      const id = ctx.nextId();
      const withCharset = await s.post(rpc(id, "ping"), {
        headers: { "content-type": "application/json; charset=utf-8" },
      });
      const read = await ctx.follow(s, withCharset).readResponse(id);
      if (!ok(withCharset) || !read.matched) {
        return ctx.fail(`Content-Type: application/json; charset=utf-8 answered ${withCharset.status}`, {
          expected: "served like application/json",
          actual: describe(withCharset),
        });
      }
      const plainId = ctx.nextId();
      const plain = await s.post(rpc(plainId, "ping"), { headers: { "content-type": "text/plain" } });
      const plainRead = await ctx.follow(s, plain).readResponse(plainId);
      if (ok(plain) && plainRead.matched && "result" in plainRead.matched) {
        return ctx.strictFail(
          "a text/plain body was processed as JSON-RPC; 415 Unsupported Media Type is the usual answer",
          {
            expected: "HTTP 415",
            actual: describe(plain),
          },
        );
      }
      return ctx.pass(`charset parameter accepted; text/plain refused with ${plain.status}`);
    },
  },
  {
    id: "T-CT-03",
    area: "content",
    revisions: STREAMABLE,
    level: "SHOULD",
    title: "SSE events are named message (or unnamed) and carry one JSON-RPC message",
    specRef: "2025-03-26 basic/transports §Sending messages; SSE (WHATWG HTML §9.2)",
    async run(ctx) {
      const s = await ctx.initialize();
      const { id, reply } = await ctx.openSseResponse(s);
      await reply.readResponse(id);
      for (const item of reply.items) {
        if (item.type !== "event") continue;
        if (item.event !== undefined && item.event !== "message") {
          return ctx.fail(
            `an SSE event is named ${
              JSON.stringify(item.event)
            }; clients such as the TypeScript SDK drop events not named message`,
            {
              expected: "no event field, or event: message",
              actual: `event: ${item.event}`,
            },
          );
        }
        if (item.data.trim() === "") continue;
        const batch = item.data.trim().startsWith("[");
        if (messagesOf(item.data).length === 0 || (batch && ctx.revision !== "2025-03-26")) {
          return ctx.fail("an SSE data field is not a single JSON-RPC message", {
            expected: ctx.revision === "2025-03-26" ? "a JSON-RPC message or batch" : "one JSON-RPC message",
            actual: item.data.slice(0, 200),
          });
        }
      }
      return ctx.pass("event names and payloads are well-formed");
    },
  },
];
