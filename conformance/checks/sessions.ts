/**
 * Session checks: where ids are issued, their characters and randomness, 400 without a session, 404 for
 * unknown or terminated sessions, DELETE.
 *
 * @module
 */
import { describe, initializeRequest, rpc } from "../context.ts";
import type { Check } from "../types.ts";
import { ok, STREAMABLE, unknownSessionId } from "./_helpers.ts";

const T = "2025-03-26 basic/transports §Session management";

/** Checks of the sessions area. */
export const SESSION_CHECKS: Check[] = [
  {
    id: "T-SESS-01",
    area: "sessions",
    revisions: STREAMABLE,
    level: "MUST",
    title: "The session id is issued with the InitializeResult and kept",
    specRef: T,
    async run(ctx) {
      const s = await ctx.initialize();
      if (!s.id) return ctx.skip("the server issues no session id (stateless); session checks do not apply");
      for (const method of ["ping", "tools/list"]) {
        const call = await s.call(method, {});
        const other = call.reply.headers.get("mcp-session-id");
        if (other !== null && other !== s.id) {
          return ctx.fail(`the answer to ${method} carries a different Mcp-Session-Id`, {
            expected: `no Mcp-Session-Id or the same one (${s.id})`,
            actual: other,
            evidence: [call.reply],
          });
        }
      }
      return ctx.pass("the session id came with the InitializeResult and did not change");
    },
  },
  {
    id: "T-SESS-02",
    area: "sessions",
    revisions: STREAMABLE,
    level: "MUST",
    title: "The session id uses only visible ASCII (0x21-0x7E)",
    specRef: T,
    async run(ctx) {
      const s = await ctx.initialize();
      if (!s.id) return ctx.skip("the server issues no session id");
      if (/^[\x21-\x7E]+$/.test(s.id)) return ctx.pass("visible ASCII only");
      return ctx.fail("the session id contains characters outside 0x21-0x7E (spaces, control or non-ASCII)", {
        expected: "characters 0x21-0x7E only",
        actual: JSON.stringify(s.id),
        evidence: [s.initReply],
      });
    },
  },
  {
    id: "T-SESS-03",
    area: "sessions",
    revisions: STREAMABLE,
    level: "SHOULD",
    title: "Session ids are unique, long and not sequential",
    specRef: `${T}; security best practices §Session hijacking`,
    async run(ctx) {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const s = await ctx.initialize({ sendInitialized: false });
        if (!s.id) return ctx.skip("the server issues no session id");
        ids.push(s.id);
      }
      if (new Set(ids).size !== ids.length) {
        return ctx.fail("two initializations got the same session id", { actual: ids.join(", ") });
      }
      const short = ids.find((id) => id.length < 16);
      if (short) {
        return ctx.fail(`session id ${JSON.stringify(short)} is shorter than 16 characters; it can be guessed`, {
          expected: "cryptographically random ids of 16+ characters",
          actual: ids.join(", "),
        });
      }
      const numbers = ids.map((id) => Number(/(\d+)\D*$/.exec(id)?.[1] ?? NaN));
      const sequential = numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1);
      if (sequential) return ctx.fail("session ids count up; they can be guessed", { actual: ids.join(", ") });
      return ctx.pass(`${ids.length} distinct ids of ${Math.min(...ids.map((i) => i.length))}+ characters`);
    },
  },
  {
    id: "T-SESS-05",
    area: "sessions",
    revisions: STREAMABLE,
    level: "SHOULD",
    title: "Requests without a session id get 400",
    specRef: T,
    async run(ctx) {
      const s = await ctx.initialize();
      if (!s.id) return ctx.skip("the server issues no session id");
      const headers: Record<string, string | undefined> = { "mcp-session-id": undefined };
      const reply = await s.post(rpc(ctx.nextId(), "tools/list", {}), { headers });
      await reply.text();
      if (ok(reply)) {
        return ctx.fail(`tools/list without Mcp-Session-Id was served (HTTP ${reply.status})`, {
          expected: "HTTP 400",
          actual: describe(reply),
        });
      }
      if (reply.status !== 400) {
        return ctx.warn(`tools/list without a session answered ${reply.status}`, {
          expected: "HTTP 400",
          actual: describe(reply),
        });
      }
      for (const method of ["GET", "DELETE"]) {
        const r = await ctx.request(method, {
          headers: { accept: "text/event-stream", ...s.headers(), "mcp-session-id": undefined },
        });
        await r.close();
        if (ok(r)) {
          return ctx.fail(`${method} without a session was served (HTTP ${r.status})`, {
            expected: "400 or 405",
            actual: describe(r),
          });
        }
      }
      return ctx.pass("requests without a session id were refused with 400");
    },
  },
  {
    id: "T-SESS-06",
    area: "sessions",
    revisions: STREAMABLE,
    level: "MUST",
    title: "Unknown and terminated session ids get 404",
    specRef: T,
    async run(ctx) {
      const s = await ctx.initialize();
      if (!s.id) return ctx.skip("the server issues no session id");
      const unknown = await s.post(rpc(ctx.nextId(), "ping"), { headers: { "mcp-session-id": unknownSessionId() } });
      await unknown.text();
      if (unknown.status !== 404) {
        return ctx.fail(
          `a never-issued session id answered ${unknown.status}; clients only start a new session after 404`,
          {
            expected: "HTTP 404",
            actual: describe(unknown),
            evidence: [unknown],
          },
        );
      }
      const del = await s.delete();
      await del.text();
      if (!ok(del)) return ctx.pass(`unknown id → 404 (DELETE answered ${del.status}, so termination was not tested)`);
      const after = await s.post(rpc(ctx.nextId(), "ping"));
      await after.text();
      if (after.status !== 404) {
        return ctx.fail(`after DELETE the old session id answered ${after.status}`, {
          expected: "HTTP 404",
          actual: describe(after),
          evidence: [del, after],
        });
      }
      return ctx.pass("unknown and terminated session ids get 404");
    },
  },
  {
    id: "T-SESS-08",
    area: "sessions",
    revisions: STREAMABLE,
    level: "MAY",
    title: "DELETE ends the session, or is refused with 405",
    specRef: T,
    async run(ctx) {
      const s = await ctx.initialize();
      if (!s.id) return ctx.skip("the server issues no session id");
      const del = await s.delete();
      await del.text();
      if (ok(del) || del.status === 405) return ctx.pass(`DELETE answered ${del.status}`);
      return ctx.fail(`DELETE with a live session answered ${del.status}`, {
        expected: "2xx, or 405 when clients may not end sessions",
        actual: describe(del),
      });
    },
  },
  {
    id: "T-SESS-09",
    area: "sessions",
    revisions: STREAMABLE,
    level: "MAY",
    title: "initialize on a live session does not re-initialize it (strict)",
    specRef: `${T}; basic/lifecycle §Initialization`,
    async run(ctx) {
      const s = await ctx.initialize();
      if (!s.id) return ctx.skip("the server issues no session id");
      const id = ctx.nextId("init");
      const again = await s.post(initializeRequest(id, ctx.revision));
      const read = await again.readResponse(id);
      const issued = again.headers.get("mcp-session-id");
      if (!ok(again) || !read.matched || !("result" in read.matched)) return ctx.pass(`refused (HTTP ${again.status})`);
      if (issued !== null && issued !== s.id) return ctx.pass("served as a new session with a new id");
      return ctx.strictFail(
        "a second initialize on a live session was accepted for the same session; rejecting it (400, -32600) is best practice",
        {
          expected: "HTTP 400 with -32600, or a new session",
          actual: describe(again),
        },
      );
    },
  },
];
