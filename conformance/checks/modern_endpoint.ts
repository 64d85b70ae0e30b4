/**
 * 2026-07-28 endpoint and POST checks: one endpoint for every request, no client responses, response streams
 * carry only related notifications and no requests, `X-Accel-Buffering`, UTF-8, notification POSTs, GET/DELETE
 * 405 and no resumption.
 *
 * @module
 */
import { describe, errorCodeOf, excerpt, type Message } from "../context.ts";
import type { Check } from "../types.ts";
import { STATELESS_REVISIONS } from "../types.ts";
import { askModern, MODERN_VERSION, modernEchoTool, modernMeta, startModernStreamTool, summary } from "../modern.ts";
import { clientError, isRequest, unservedFailure } from "./_helpers.ts";

const T = "2026-07-28 basic/transports/streamable-http";

/** Checks of the 2026-07-28 endpoint area. */
export const MODERN_ENDPOINT_CHECKS: Check[] = [
  {
    id: "T-EP-02",
    area: "endpoint",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "One MCP endpoint answers every modern request sent by POST",
    specRef: `${T} (introduction: the MCP endpoint supports POST)`,
    async run(ctx) {
      for (const method of ["server/discover", "tools/list"]) {
        const failed = unservedFailure(
          ctx,
          `POST ${method} to the endpoint`,
          await askModern(ctx, method),
          "HTTP 200 with a JSON-RPC result",
        );
        if (failed) return failed;
      }
      return ctx.pass("server/discover and tools/list were both answered at the endpoint");
    },
  },
  {
    id: "T-POST-11",
    area: "endpoint",
    revisions: STATELESS_REVISIONS,
    level: "MAY",
    title: "A POSTed JSON-RPC response is refused (strict)",
    specRef: `${T} §Sending Messages (clients MUST NOT send responses)`,
    async run(ctx) {
      const reply = await ctx.post({ jsonrpc: "2.0", id: ctx.nextId("response"), result: {} }, {
        headers: { "mcp-protocol-version": MODERN_VERSION },
      });
      await reply.text();
      if (clientError(reply)) return ctx.pass(`refused with ${reply.status}`);
      return ctx.strictFail(`a JSON-RPC response POSTed by the client answered ${reply.status}`, {
        expected: "a 4xx (clients never send responses in 2026-07-28; the server's answer is not specified)",
        actual: describe(reply),
      });
    },
  },
  {
    id: "T-POST-12",
    area: "endpoint",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "A response stream carries no server requests, and only notifications of its own request",
    specRef: `${T} §Receiving Messages`,
    async run(ctx) {
      const token = `progress-${crypto.randomUUID()}`;
      const { tool, id, reply } = await startModernStreamTool(ctx, token);
      const read = await reply.readResponse(id);
      const bad = read.messages.find((m) => isRequest(m));
      if (bad) {
        return ctx.fail(`the response stream of tools/call ${tool.name} carried a request (${String(bad.method)})`, {
          expected: "no JSON-RPC requests on a response stream (server asks use InputRequiredResult)",
          actual: excerpt(bad),
        });
      }
      const foreign = read.messages.find((m) => m.method === "notifications/progress" && progressOf(m) !== token);
      if (foreign) {
        return ctx.fail("the response stream carried progress for another request", {
          expected: `progress notifications only with progressToken ${token}`,
          actual: excerpt(foreign),
        });
      }
      if (!read.matched) return ctx.fail(`no response to tools/call ${tool.name} (${describe(reply)})`);
      return ctx.pass(`${read.messages.length} messages, no requests, notifications only for this request`);
    },
  },
  {
    id: "T-POST-13",
    area: "endpoint",
    revisions: STATELESS_REVISIONS,
    level: "SHOULD",
    title: "SSE responses carry X-Accel-Buffering: no",
    specRef: `${T} §Receiving Messages`,
    async run(ctx) {
      const { tool, reply } = await startModernStreamTool(ctx, "mcpwire-buffering");
      if (!reply.isSse) return ctx.skip(`tools/call ${tool.name} answered ${describe(reply)}, not SSE`);
      const value = reply.headers.get("x-accel-buffering");
      if (value?.trim().toLowerCase() === "no") return ctx.pass("X-Accel-Buffering: no");
      return ctx.fail(
        `the SSE response has ${value === null ? "no X-Accel-Buffering header" : `X-Accel-Buffering: ${value}`}`,
        {
          expected: "X-Accel-Buffering: no",
          actual: value ?? "absent",
        },
      );
    },
  },
  {
    id: "T-POST-14",
    area: "endpoint",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "JSON-RPC messages are UTF-8",
    specRef: "2026-07-28 basic/transports §Transports (JSON-RPC messages MUST be UTF-8 encoded)",
    async run(ctx) {
      const echo = await modernEchoTool(ctx);
      if (!echo) return ctx.skip("no tool named like echo in tools/list; nothing to round-trip");
      const text = "grüße, 世界 ✓";
      const answer = await askModern(ctx, "tools/call", { name: echo.name, arguments: { [echo.arg]: text } });
      const charset = /charset=([^;]+)/i.exec(answer.reply.headers.get("content-type") ?? "")?.[1]?.trim()
        .toLowerCase();
      if (charset && charset !== "utf-8" && charset !== "utf8") {
        return ctx.fail(`the response is labelled charset=${charset}`, {
          expected: "UTF-8",
          actual: `charset=${charset}`,
        });
      }
      const content = JSON.stringify(answer.result?.content ?? "");
      if (!answer.result) return ctx.skip(`tools/call ${echo.name} answered ${summary(answer)}; nothing to compare`);
      if (!content.includes("世界")) {
        return ctx.fail("the echoed text did not come back as UTF-8", {
          expected: text,
          actual: content.slice(0, 200),
        });
      }
      return ctx.pass("non-ASCII text round-tripped as UTF-8");
    },
  },
  {
    id: "T-POST-15",
    area: "endpoint",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "A notification POST gets 202 with no body, or an HTTP error status",
    specRef: `${T} §Sending Messages`,
    async run(ctx) {
      const params = { requestId: "mcpwire-never-sent", _meta: modernMeta() };
      const reply = await ctx.post({ jsonrpc: "2.0", method: "notifications/cancelled", params }, {
        headers: { "mcp-protocol-version": MODERN_VERSION, "mcp-method": "notifications/cancelled" },
      });
      const body = await reply.text();
      if (reply.status === 202 && body.trim() === "") return ctx.pass("accepted with 202 and no body");
      if (reply.status >= 400 && reply.status <= 599) {
        const parsed = await reply.json() as Message | undefined;
        if (parsed && "id" in parsed && parsed.id !== null && errorCodeOf(parsed) !== undefined) {
          return ctx.warn(`refused with ${reply.status}, but the error body carries an id (${String(parsed.id)})`);
        }
        return ctx.pass(`not accepted: HTTP ${reply.status}`);
      }
      return ctx.fail(`a notification answered ${describe(reply)}`, {
        expected: "202 with no body, or an HTTP error status",
        actual: describe(reply),
      });
    },
  },
  {
    id: "T-GET-06",
    area: "get",
    revisions: STATELESS_REVISIONS,
    level: "SHOULD",
    title: "A 2026-07-28-only server answers GET and DELETE with 405",
    specRef: `${T} §Backward Compatibility (Earlier Streamable HTTP Revisions)`,
    async run(ctx) {
      const legacy = (ctx.env.detected ?? []).filter((r) => r < "2026-07-28" && r !== "2024-11-05");
      for (const method of ["GET", "DELETE"]) {
        const reply = await ctx.request(method, { headers: { accept: "text/event-stream" } });
        await reply.close();
        if (reply.status === 405) continue;
        if (legacy.length > 0) {
          return ctx.info(
            `${method} answered ${reply.status}; the server also speaks ${legacy.join(", ")}, where it may`,
          );
        }
        return ctx.fail(`${method} answered ${reply.status}`, { expected: "HTTP 405", actual: describe(reply) });
      }
      return ctx.pass("GET and DELETE answered 405");
    },
  },
  {
    id: "T-RES-07",
    area: "resumability",
    revisions: STATELESS_REVISIONS,
    level: "SHOULD",
    title: "Last-Event-ID is ignored: the request is served as usual",
    specRef: `${T} §Receiving Messages, §Backward Compatibility`,
    async run(ctx) {
      const answer = await askModern(ctx, "server/discover", {}, { headers: { "last-event-id": "42" } });
      const what = "server/discover with Last-Event-ID: 42";
      return unservedFailure(ctx, what, answer, "the request served as without the header") ??
        ctx.pass("served normally with Last-Event-ID: 42");
    },
  },
];

function progressOf(m: Message): unknown {
  return (m.params as Message | undefined)?.progressToken;
}
