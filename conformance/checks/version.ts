/**
 * Protocol version header checks (2025-06-18 and later): invalid values get 400, a missing header is
 * tolerated.
 *
 * @module
 */
import { describe, rpc } from "../context.ts";
import type { Check } from "../types.ts";
import { clientError, FROM_2025_06, ok } from "./_helpers.ts";

const T = "2025-06-18 basic/transports §Protocol version header";

/** Checks of the protocol version header area. */
export const VERSION_CHECKS: Check[] = [
  {
    id: "T-PV-02",
    area: "version",
    revisions: FROM_2025_06,
    level: "MUST",
    title: "An invalid or unsupported MCP-Protocol-Version gets 400",
    specRef: T,
    async run(ctx) {
      const s = await ctx.initialize();
      for (const value of ["1999-01-01", "banana"]) {
        const reply = await s.post(rpc(ctx.nextId(), "ping"), { headers: { "mcp-protocol-version": value } });
        await reply.text();
        if (ok(reply)) {
          return ctx.fail(`MCP-Protocol-Version: ${value} was accepted (HTTP ${reply.status})`, {
            expected: "HTTP 400",
            actual: describe(reply),
          });
        }
        if (reply.status !== 400) {
          return ctx.warn(`MCP-Protocol-Version: ${value} answered ${reply.status}`, {
            expected: "HTTP 400",
            actual: describe(reply),
          });
        }
      }
      return ctx.pass("both invalid values got 400");
    },
  },
  {
    id: "T-PV-03",
    area: "version",
    revisions: FROM_2025_06,
    level: "SHOULD",
    title: "A request without MCP-Protocol-Version is still served",
    specRef: T,
    async run(ctx) {
      const s = await ctx.initialize();
      const id = ctx.nextId();
      const reply = await s.post(rpc(id, "ping"), { headers: { "mcp-protocol-version": undefined } });
      const read = await ctx.follow(s, reply).readResponse(id);
      if (ok(reply) && read.matched) return ctx.pass("served without the header (2025-03-26 assumed)");
      if (clientError(reply)) {
        return ctx.fail(`a request without MCP-Protocol-Version answered ${reply.status}`, {
          expected: "served, assuming 2025-03-26 when nothing else is known",
          actual: describe(reply),
        });
      }
      return ctx.fail(`no answer to ping without the header (HTTP ${reply.status})`, { actual: describe(reply) });
    },
  },
];
