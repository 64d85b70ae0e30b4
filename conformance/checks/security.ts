/**
 * Security checks: Origin validation (any 4xx, exactly 403 from 2025-11-25), Host validation on loopback
 * (T-SEC-04), and sessions that are not authentication. The 401 / protected-resource metadata check
 * (T-SEC-06) is in `auth.ts`.
 *
 * @module
 */
import { type Context, describe, initializeRequest, rpc } from "../context.ts";
import type { Check, Outcome } from "../types.ts";
import { STATELESS_REVISIONS } from "../types.ts";
import { askModern } from "../modern.ts";
import type { Reply } from "../reply.ts";
import { clientError, ok, ONLY_2025_11, STREAMABLE } from "./_helpers.ts";

const EVIL = "http://evil.example";
const T = "basic/transports §Security warning";
/** The Host a DNS-rebinding page sends (T-SEC-04). */
const FOREIGN_HOST = "evil.example";
/** Loopback host names (URL `hostname` form). */
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** Checks of the security area. */
export const SECURITY_CHECKS: Check[] = [
  {
    id: "T-SEC-01",
    area: "security",
    revisions: STREAMABLE,
    level: "MUST",
    title: "A foreign Origin is rejected",
    specRef: `2025-03-26 ${T}`,
    async run(ctx) {
      const reply = await ctx.post(initializeRequest(ctx.nextId("init"), ctx.revision), { headers: { origin: EVIL } });
      await reply.text();
      if (clientError(reply)) return ctx.pass(`Origin ${EVIL} was rejected with ${reply.status}`);
      return ctx.fail(
        `initialize with Origin: ${EVIL} answered ${reply.status}; a web page on another site could drive this server (DNS rebinding)`,
        {
          expected: "HTTP 403 (any 4xx before 2025-11-25)",
          actual: describe(reply),
        },
      );
    },
  },
  {
    id: "T-SEC-02",
    area: "security",
    revisions: ONLY_2025_11,
    level: "MUST",
    title: "A foreign Origin gets exactly 403 on POST, GET and DELETE (405 where the method is not served)",
    specRef: `2025-11-25 ${T}`,
    async run(ctx) {
      const s = await ctx.initialize();
      const replies = [
        await ctx.post(initializeRequest(ctx.nextId("init"), ctx.revision), { headers: { origin: EVIL } }),
        await s.get({ headers: { origin: EVIL } }),
        await s.delete({ headers: { origin: EVIL } }),
      ];
      for (const reply of replies) {
        await reply.close();
        // A method the server does not serve at all (405) exposes nothing to a foreign page.
        if (reply.status === 405 && reply.evidence.request.method === "DELETE") continue;
        if (reply.status === 405 && reply.evidence.request.method === "GET") {
          const clean = await s.get();
          await clean.close();
          if (clean.status === 405) continue;
        }
        if (reply.status !== 403) {
          return ctx.fail(`${reply.evidence.request.method} with Origin: ${EVIL} answered ${reply.status}`, {
            expected: "HTTP 403",
            actual: describe(reply),
            evidence: [reply],
          });
        }
      }
      return ctx.pass("403 for POST, GET and DELETE");
    },
  },
  {
    id: "T-SEC-04",
    area: "security",
    revisions: STREAMABLE,
    level: "MUST",
    title: "A loopback server rejects a foreign Host on POST, GET and DELETE and accepts loopback Host values",
    specRef: `2025-11-25 ${T}; security best practices §Local MCP server compromise`,
    run: _hostValidation,
  },
  {
    id: "T-SEC-04",
    area: "security",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "A loopback server rejects a foreign Host and accepts loopback Host values (2026-07-28 requests)",
    specRef:
      `2026-07-28 basic/transports/streamable-http §Security & Endpoint; security best practices §Local MCP server compromise`,
    run: _modernHostValidation,
  },
  {
    id: "T-SEC-07",
    area: "security",
    revisions: STREAMABLE,
    level: "MUST",
    title: "A session id is not a substitute for the token",
    specRef: "security best practices §Session hijacking",
    async run(ctx) {
      if (!Object.keys(ctx.env.headers).some((h) => h.toLowerCase() === "authorization")) {
        return ctx.skip("no Authorization header was given, so auth is not tested");
      }
      const s = await ctx.initialize();
      if (!s.id) return ctx.skip("the server issues no session id");
      const reply = await s.post(rpc(ctx.nextId(), "ping"), { headers: { authorization: undefined } });
      await reply.text();
      if (ok(reply)) {
        return ctx.fail("a request with a valid session id but no token was served", {
          expected: "HTTP 401",
          actual: describe(reply),
        });
      }
      return ctx.pass(`refused with ${reply.status}`);
    },
  },
];

/** Why T-SEC-04 cannot run against this target, or undefined when it can. */
function _hostSkip(ctx: Context): Outcome | undefined {
  const url = new URL(ctx.env.url);
  if (!LOOPBACK.test(url.hostname)) {
    return ctx.skip(`${url.hostname} is not a loopback address; Host validation is asked of local servers`);
  }
  if (ctx.env.sendsHost === false) {
    return ctx.skip("this fetch cannot send a foreign Host header (Deno's replaces it); the mcpwire CLI can");
  }
  return undefined;
}

/** The loopback `Host` values a local server must serve: `localhost` and `127.0.0.1:PORT`. */
function _loopbackHosts(ctx: Context): string[] {
  return ["localhost", `127.0.0.1:${new URL(ctx.env.url).port || "80"}`];
}

/** A failure when a foreign-Host request was served (a 405 for GET/DELETE exposes nothing), else undefined. */
function _servedForeign(ctx: Context, reply: Reply): Outcome | undefined {
  // A method the server does not serve at all exposes nothing to a rebinding page.
  if (reply.status === 405 && reply.evidence.request.method !== "POST") return undefined;
  if (clientError(reply)) return undefined;
  return ctx.fail(`${reply.evidence.request.method} with Host: ${FOREIGN_HOST} answered ${reply.status}`, {
    expected: "HTTP 4xx (a DNS-rebinding page's request is refused)",
    actual: describe(reply),
    evidence: [reply],
  });
}

/** A failure when a loopback-Host request was refused, else undefined. */
function _refusedLoopback(ctx: Context, host: string, reply: Reply): Outcome | undefined {
  // A 401 is served too: the server got past Host validation and asks for a token (a token's audience
  // names one host spelling, RFC 8707, so a different loopback spelling may well be refused by auth).
  if (ok(reply) || (reply.status === 401 && reply.headers.has("www-authenticate"))) return undefined;
  return ctx.fail(`a request with Host: ${host} answered ${reply.status}; loopback Host values must be served`, {
    expected: "HTTP 2xx (or 401 with WWW-Authenticate)",
    actual: describe(reply),
    evidence: [reply],
  });
}

/** T-SEC-04: a foreign `Host` → 4xx (405 where GET/DELETE is not served); `localhost`, `127.0.0.1:PORT` served. */
async function _hostValidation(ctx: Context): Promise<Outcome> {
  const skipped = _hostSkip(ctx);
  if (skipped) return skipped;
  const s = await ctx.initialize();
  const foreign = { headers: { host: FOREIGN_HOST } };
  const replies = [
    await ctx.post(initializeRequest(ctx.nextId("init"), ctx.revision), foreign),
    await s.get(foreign),
    await s.delete(foreign),
  ];
  for (const reply of replies) {
    await reply.close();
    const failed = _servedForeign(ctx, reply);
    if (failed) return failed;
  }
  for (const host of _loopbackHosts(ctx)) {
    const reply = await ctx.post(initializeRequest(ctx.nextId("init"), ctx.revision), { headers: { host } });
    await reply.text();
    const failed = _refusedLoopback(ctx, host, reply);
    if (failed) return failed;
  }
  return ctx.pass(`Host: ${FOREIGN_HOST} refused on POST, GET and DELETE; localhost and 127.0.0.1:port served`);
}

/**
 * T-SEC-04 in 2026-07-28: `server/discover` with a foreign `Host` (and no `Origin`) → 4xx; with `localhost` and
 * `127.0.0.1:PORT` → served. There are no sessions, so GET and DELETE are not probed (T-GET-06 covers them).
 */
async function _modernHostValidation(ctx: Context): Promise<Outcome> {
  const skipped = _hostSkip(ctx);
  if (skipped) return skipped;
  const foreign = await askModern(ctx, "server/discover", {}, { headers: { host: FOREIGN_HOST } });
  const served = _servedForeign(ctx, foreign.reply);
  if (served) return served;
  for (const host of _loopbackHosts(ctx)) {
    const answer = await askModern(ctx, "server/discover", {}, { headers: { host } });
    const failed = _refusedLoopback(ctx, host, answer.reply);
    if (failed) return failed;
  }
  return ctx.pass(`server/discover with Host: ${FOREIGN_HOST} refused; localhost and 127.0.0.1:port served`);
}
