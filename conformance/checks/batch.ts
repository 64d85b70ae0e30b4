/**
 * JSON-RPC batching checks: the batching rules (required in 2025-03-26, removed from 2025-06-18). They belong
 * to the jsonrpc area and are reported right after the framing checks of `jsonrpc.ts`.
 *
 * @module
 */
import { describe, errorCodeOf, initializeRequest, type Message, notification, rpc } from "../context.ts";
import type { Check } from "../types.ts";
import { clientError, FROM_2025_06, isResponse, JSONRPC, ok, ONLY_2025_03 } from "./_helpers.ts";

/** Checks of JSON-RPC batching (the second half of the jsonrpc area). */
export const BATCH_CHECKS: Check[] = [
  {
    id: "T-BATCH-01",
    area: "jsonrpc",
    revisions: ONLY_2025_03,
    level: "MUST",
    title: "A batch of requests is accepted and every request answered",
    specRef: "2025-03-26 basic/index §Batching; basic/transports §Sending messages",
    async run(ctx) {
      const s = await ctx.initialize();
      const a = ctx.nextId("batch");
      const b = ctx.nextId("batch");
      const reply = await s.post([rpc(a, "ping"), rpc(b, "ping")]);
      if (!ok(reply)) {
        await reply.text();
        return ctx.fail(`the batch was refused with ${reply.status}; 2025-03-26 servers must accept batches`, {
          expected: "both responses (JSON array or SSE)",
          actual: describe(reply),
        });
      }
      const seen = new Set<unknown>();
      await ctx.follow(s, reply).readUntil((m: Message) => {
        if (isResponse(m)) seen.add(m.id);
        return seen.has(a) && seen.has(b);
      });
      if (!seen.has(a) || !seen.has(b)) {
        return ctx.fail("not every request of the batch was answered", {
          expected: `responses to ${a} and ${b}`,
          actual: describe(reply),
        });
      }
      return ctx.pass("both batched requests were answered");
    },
  },
  {
    id: "T-BATCH-02",
    area: "jsonrpc",
    revisions: ONLY_2025_03,
    level: "MUST",
    title: "A batch of notifications gets 202 with an empty body",
    specRef: "2025-03-26 basic/transports §Sending messages to the server",
    async run(ctx) {
      const s = await ctx.initialize();
      const reply = await s.post([
        notification("notifications/roots/list_changed"),
        notification("notifications/roots/list_changed"),
      ]);
      const body = await reply.text();
      if (reply.status === 202 && body === "") return ctx.pass("202 with an empty body");
      return ctx.fail(`the notification batch answered ${reply.status}`, {
        expected: "HTTP 202, empty body",
        actual: describe(reply),
      });
    },
  },
  {
    id: "T-BATCH-04",
    area: "jsonrpc",
    revisions: ONLY_2025_03,
    level: "MAY",
    title: "initialize inside a batch is rejected (strict)",
    specRef: "2025-03-26 basic/lifecycle §Initialization",
    async run(ctx) {
      const reply = await ctx.post([initializeRequest(ctx.nextId("init"), ctx.revision), rpc(ctx.nextId(), "ping")]);
      const read = await reply.readUntil(() => false, ctx.quietMs);
      const succeeded = read.messages.some((m) =>
        "result" in m && typeof (m.result as Message | null)?.protocolVersion === "string"
      );
      if (!succeeded) return ctx.pass(`not initialized (HTTP ${reply.status})`);
      return ctx.strictFail(
        "the server initialized from a batch; clients must not batch initialize, and rejecting it (400, -32600) is best practice",
        {
          expected: "HTTP 400 with -32600",
          actual: describe(reply),
        },
      );
    },
  },
  {
    id: "T-BATCH-05",
    area: "jsonrpc",
    revisions: FROM_2025_06,
    level: "MAY",
    title: "Batches are rejected after 2025-03-26 (strict)",
    specRef: "2025-06-18 changelog; basic/transports §Sending messages (body is a single message)",
    async run(ctx) {
      const s = await ctx.initialize();
      const reply = await s.post([rpc(ctx.nextId(), "ping"), rpc(ctx.nextId(), "ping")]);
      await reply.readUntil(() => false, ctx.quietMs);
      if (clientError(reply)) return ctx.pass(`batch rejected with ${reply.status}`);
      return ctx.strictFail(
        `a batch was accepted (HTTP ${reply.status}); batching was removed in 2025-06-18 (the spec puts no explicit MUST on servers)`,
        {
          expected: "HTTP 400 with -32600",
          actual: describe(reply),
        },
      );
    },
  },
  {
    id: "T-BATCH-06",
    area: "jsonrpc",
    revisions: ONLY_2025_03,
    level: "SHOULD",
    title: "An empty batch is an Invalid Request",
    specRef: `${JSONRPC} §6 Batch`,
    async run(ctx) {
      const s = await ctx.initialize();
      const reply = await s.post([]);
      const read = await reply.readUntil(isResponse);
      if (clientError(reply) || errorCodeOf(read.messages.find(isResponse)) === -32600) {
        return ctx.pass(`rejected (HTTP ${reply.status})`);
      }
      return ctx.fail(`an empty batch answered ${reply.status}`, {
        expected: "HTTP 400 with one -32600 error",
        actual: describe(reply),
      });
    },
  },
];
