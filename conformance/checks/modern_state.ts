/**
 * 2026-07-28 statelessness and JSON-RPC checks: unknown methods get 404 with -32601, error ids, no sessions,
 * no state carried between requests, the answer to a legacy `initialize`, and server-sent cancellation.
 *
 * @module
 */
import { describe, excerpt, initializeRequest, type Message } from "../context.ts";
import type { Check } from "../types.ts";
import { STATELESS_REVISIONS } from "../types.ts";
import {
  askModern,
  discoveredVersions,
  META_CAPABILITIES,
  META_CLIENT_INFO,
  META_VERSION,
  MODERN_VERSION,
  postModern,
  startModernStreamTool,
  summary,
} from "../modern.ts";
import { ok, unservedFailure } from "./_helpers.ts";

const T = "2026-07-28 basic/transports/streamable-http";

/** Checks of 2026-07-28 statelessness and JSON-RPC. */
export const MODERN_STATE_CHECKS: Check[] = [
  {
    id: "T-RPC-05",
    area: "jsonrpc",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "An unknown or removed method gets HTTP 404 with a -32601 error",
    specRef: `${T} §Protocol Version Header`,
    async run(ctx) {
      for (const method of ["mcpwire/no-such-method", "ping", "resources/subscribe"]) {
        const answer = await askModern(ctx, method);
        if (answer.status !== 404 || answer.code !== -32601) {
          return ctx.fail(`${method} answered ${summary(answer)}`, {
            expected: "HTTP 404 and a JSON-RPC error -32601 (the body tells it from a legacy 404)",
            actual: describe(answer.reply),
          });
        }
      }
      return ctx.pass("an unknown method and the removed ping and resources/subscribe got 404 and -32601");
    },
  },
  {
    id: "T-RPC-06",
    area: "jsonrpc",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "Error responses echo the id of the request",
    specRef: "2026-07-28 basic/index §Error Responses",
    async run(ctx) {
      const probes: [string, () => ReturnType<typeof askModern>][] = [
        ["unknown method", () => askModern(ctx, "mcpwire/no-such-method")],
        ["unsupported version", () =>
          askModern(ctx, "server/discover", {}, {
            meta: { [META_VERSION]: "1900-01-01" },
            headers: { "mcp-protocol-version": "1900-01-01" },
          })],
        [
          "Mcp-Method mismatch",
          () => askModern(ctx, "server/discover", {}, { headers: { "mcp-method": "tools/list" } }),
        ],
        [
          "missing clientCapabilities",
          () => askModern(ctx, "server/discover", {}, { meta: { [META_CAPABILITIES]: undefined } }),
        ],
      ];
      const notes: string[] = [];
      for (const [what, send] of probes) {
        const answer = await send();
        if (answer.code === undefined || !answer.message) continue;
        const id = answer.message.id;
        if (id === answer.id) continue;
        if (id === undefined || id === null) {
          notes.push(`${what}: id ${id === null ? "null" : "absent"}`);
          continue;
        }
        return ctx.fail(`the ${what} error carries id ${JSON.stringify(id)}`, {
          expected: `id ${answer.id}`,
          actual: excerpt(answer.message),
          evidence: [answer.reply],
        });
      }
      return ctx.pass(`error responses echo the request id${notes.length ? ` (tolerated: ${notes.join("; ")})` : ""}`);
    },
  },
  {
    id: "T-SESS-10",
    area: "sessions",
    revisions: STATELESS_REVISIONS,
    level: "SHOULD",
    title: "An Mcp-Session-Id header is ignored, and none is minted or echoed",
    specRef: `${T} §Backward Compatibility (Earlier Streamable HTTP Revisions)`,
    async run(ctx) {
      const bogus = `mcpwire-${crypto.randomUUID()}`;
      for (const headers of [{}, { "mcp-session-id": bogus }]) {
        const answer = await askModern(ctx, "server/discover", {}, { headers });
        const label = "mcp-session-id" in headers ? "with a bogus Mcp-Session-Id" : "without a session id";
        const failed = unservedFailure(ctx, `server/discover ${label}`, answer, "served as usual");
        if (failed) return failed;
        const minted = answer.reply.headers.get("mcp-session-id");
        if (minted !== null) {
          return ctx.fail(`server/discover ${label} got Mcp-Session-Id: ${minted}`, {
            expected: "no Mcp-Session-Id in the response",
            actual: `Mcp-Session-Id: ${minted}`,
          });
        }
      }
      return ctx.pass("served with and without a session id; no session id in the responses");
    },
  },
  {
    id: "T-SESS-11",
    area: "sessions",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "No state is inferred from earlier requests: each is judged by its own _meta",
    specRef: "2026-07-28 basic/index §Statelessness",
    async run(ctx) {
      const client = { name: `mcpwire-conformance-${crypto.randomUUID()}`, version: "0.1.0" };
      const lacking = { [META_CLIENT_INFO]: client, [META_CAPABILITIES]: undefined };
      const before = await askModern(ctx, "server/discover", {}, { meta: lacking });
      if (ok(before.reply)) return ctx.skip("a request without clientCapabilities is served anyway; see T-PV-12");
      const full = await askModern(ctx, "server/discover", {}, {
        meta: { [META_CLIENT_INFO]: client, [META_CAPABILITIES]: { sampling: {} } },
      });
      const after = await askModern(ctx, "server/discover", {}, { meta: lacking });
      if (ok(after.reply) || after.code !== before.code) {
        return ctx.fail(
          "the same incomplete request was answered differently after a complete one from the same client",
          {
            expected: `${summary(before)} both times`,
            actual: `${summary(before)} before, ${summary(after)} after`,
            evidence: [before.reply, full.reply, after.reply],
          },
        );
      }
      return ctx.pass(`the incomplete request got ${summary(after)} before and after a complete one`);
    },
  },
  {
    id: "T-LIFE-05",
    area: "lifecycle",
    revisions: STATELESS_REVISIONS,
    level: "SHOULD",
    title: "A modern-only server's error to a legacy initialize names its supported versions",
    specRef: "2026-07-28 basic/versioning §Backward Compatibility with Initialization-Based Versions",
    async run(ctx) {
      const id = ctx.nextId("init");
      const reply = await ctx.post(initializeRequest(id, "2025-11-25"));
      const read = await reply.readResponse(id).catch(() => undefined);
      const body = reply.evidence.response?.body ?? "";
      if (ok(reply) && typeof read?.matched?.result === "object") {
        return ctx.skip("initialize succeeded: the server is dual-era (see T-BC-04)");
      }
      const versions = await discoveredVersions(ctx);
      const named = [...new Set([...versions, MODERN_VERSION])].filter((v) => body.includes(v));
      if (named.length > 0) return ctx.pass(`initialize was refused with ${reply.status}, naming ${named.join(", ")}`);
      return ctx.fail(`initialize was refused with ${describe(reply)} naming no supported version`, {
        expected: `an error that names the supported versions (${
          (versions.length ? versions : [MODERN_VERSION]).join(", ")
        })`,
        actual: body.slice(0, 200) || "empty body",
        evidence: [reply],
      });
    },
  },
  {
    id: "T-LIFE-06",
    area: "lifecycle",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "The server sends notifications/cancelled only to end a subscriptions/listen stream",
    specRef: "2026-07-28 basic/patterns/cancellation",
    async run(ctx) {
      const listen = await postModern(ctx, "subscriptions/listen", { notifications: { toolsListChanged: true } });
      const call = await startModernStreamTool(ctx, "mcpwire-life-06");
      const streamed = await call.reply.readResponse(call.id);
      const listened = listen.reply.isSse ? await listen.reply.readUntil(() => false, ctx.quietMs) : undefined;
      const cancels = (ms: Message[], allowed?: string) =>
        ms.find((m) =>
          m.method === "notifications/cancelled" && (m.params as Message | undefined)?.requestId !== allowed
        );
      const bad = cancels(streamed.messages) ?? cancels(listened?.messages ?? [], listen.id);
      if (bad) {
        return ctx.fail("a notifications/cancelled arrived that does not end a subscriptions/listen stream", {
          expected: "notifications/cancelled only with the requestId of a subscriptions/listen request",
          actual: excerpt(bad),
          evidence: [call.reply, listen.reply],
        });
      }
      if (!streamed.matched) return ctx.fail(`no response to tools/call ${call.tool.name} (${describe(call.reply)})`);
      return ctx.pass("no stray notifications/cancelled on the tool and listen streams");
    },
  },
];
