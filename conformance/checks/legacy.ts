/**
 * Legacy HTTP+SSE (2024-11-05) checks: the SSE endpoint, the `endpoint` event, messages over the POST URL
 * answered as `message` events, Origin validation.
 *
 * @module
 */
import { type Context, describe, excerpt, initializeRequest, messagesOf, type Reply, SkipError } from "../context.ts";
import type { Check } from "../types.ts";
import { clientError, ok, plausibleVersion } from "./_helpers.ts";

const T = "2024-11-05 basic/transports §HTTP with SSE";
const LEGACY = ["2024-11-05"] as const;

async function openLegacy(ctx: Context, headers: Record<string, string> = {}): Promise<Reply> {
  const url = ctx.env.legacyUrl ?? ctx.url;
  return await ctx.request("GET", { url, headers: { accept: "text/event-stream", ...headers } });
}

/** Opens the SSE stream and returns it with the resolved endpoint URL. @throws {SkipError} when there is none */
async function endpointOf(ctx: Context): Promise<{ sse: Reply; endpoint: string }> {
  const sse = await openLegacy(ctx);
  if (!sse.isSse) throw new SkipError(`the SSE endpoint answered ${describe(sse)} (see T-LEG-01)`);
  const first = await sse.nextEvent();
  if (typeof first !== "object" || first.type !== "event" || first.event !== "endpoint") {
    throw new SkipError("the stream did not start with an endpoint event (see T-LEG-02)");
  }
  return { sse, endpoint: new URL(first.data.trim(), ctx.env.legacyUrl ?? ctx.url).href };
}

/** Checks of the legacy transport area. */
export const LEGACY_CHECKS: Check[] = [
  {
    id: "T-LEG-01",
    area: "legacy",
    revisions: LEGACY,
    level: "MUST",
    title: "The SSE endpoint answers GET with an event stream",
    specRef: T,
    async run(ctx) {
      const sse = await openLegacy(ctx);
      await sse.close();
      if (sse.status === 200 && sse.isSse) return ctx.pass("200 text/event-stream");
      return ctx.fail(`GET on the SSE endpoint answered ${describe(sse)}`, {
        expected: "200 text/event-stream",
        actual: describe(sse),
      });
    },
  },
  {
    id: "T-LEG-02",
    area: "legacy",
    revisions: LEGACY,
    level: "MUST",
    title: "The first event is endpoint, naming a same-origin POST URL",
    specRef: T,
    async run(ctx) {
      const sse = await openLegacy(ctx);
      if (!sse.isSse) return ctx.skip(`the SSE endpoint answered ${describe(sse)} (see T-LEG-01)`);
      const first = await sse.nextEvent();
      if (typeof first !== "object" || first.type !== "event" || first.event !== "endpoint") {
        return ctx.fail("the first thing on the stream is not an endpoint event", {
          expected: "event: endpoint with the POST URL as data",
          actual: typeof first === "object" ? excerpt(first) : first,
        });
      }
      const base = new URL(ctx.env.legacyUrl ?? ctx.url);
      let target: URL;
      try {
        target = new URL(first.data.trim(), base);
      } catch {
        return ctx.fail("the endpoint event's data is not a URI", { actual: first.data.slice(0, 200) });
      }
      if (target.origin !== base.origin) {
        return ctx.fail(`the endpoint URI is on another origin (${target.origin}); clients refuse it`, {
          expected: `a URI on ${base.origin}`,
          actual: target.href,
        });
      }
      return ctx.pass(`endpoint event names ${target.pathname}${target.search}`);
    },
  },
  {
    id: "T-LEG-03",
    area: "legacy",
    revisions: LEGACY,
    level: "MUST",
    title: "Messages POSTed to the endpoint are answered as message events on the stream",
    specRef: T,
    async run(ctx) {
      const { sse, endpoint } = await endpointOf(ctx);
      const id = ctx.nextId("init");
      const post = await ctx.post(initializeRequest(id, "2024-11-05"), { url: endpoint });
      await post.text();
      if (!ok(post)) {
        return ctx.fail(`POST to the endpoint URI answered ${post.status}`, {
          expected: "HTTP 2xx (202 is usual)",
          actual: describe(post),
        });
      }
      let named: string | undefined;
      const read = await sse.readUntil((m) => m.id === id && "result" in m);
      for (const item of sse.items) {
        if (item.type === "event" && messagesOf(item.data).some((m) => m.id === id)) named = item.event ?? "(none)";
      }
      if (!read.matched) {
        return ctx.fail("the InitializeResult did not arrive on the SSE stream", {
          expected: "event: message carrying the InitializeResult",
          actual: ctx.whyMissing(read),
          evidence: [post, sse],
        });
      }
      if (named !== "message") {
        return ctx.fail(`the response arrived as event ${named}, not message`, {
          expected: "event: message",
          actual: `event: ${named}`,
          evidence: [sse],
        });
      }
      return ctx.pass("the InitializeResult arrived as a message event");
    },
  },
  {
    id: "T-LIFE-01",
    area: "legacy",
    revisions: LEGACY,
    level: "MUST",
    title: "initialize answers with the requested version or another supported one",
    specRef: "2024-11-05 basic/lifecycle §Version negotiation",
    async run(ctx) {
      for (const requested of ["2024-11-05", "1999-01-01"]) {
        const { sse, endpoint } = await endpointOf(ctx);
        const id = ctx.nextId("init");
        const post = await ctx.post(initializeRequest(id, requested), { url: endpoint });
        await post.text();
        const read = await sse.readUntil((m) => m.id === id && ("result" in m || "error" in m));
        await sse.close();
        if (!read.matched) return ctx.skip("the initialize response did not arrive on the stream (see T-LEG-03)");
        const version = (read.matched.result as Record<string, unknown> | undefined)?.protocolVersion;
        if (!plausibleVersion(version)) {
          return ctx.fail(
            `initialize with protocolVersion ${requested} did not return an InitializeResult with a known version`,
            {
              expected: "a result naming the requested version or one the server supports",
              actual: excerpt(read.matched),
              evidence: [post, sse],
            },
          );
        }
      }
      return ctx.pass("the requested version is answered, and an unknown one gets a supported alternative");
    },
  },
  {
    id: "T-BC-01",
    area: "legacy",
    revisions: LEGACY,
    level: "SHOULD",
    title: "POST initialize on the SSE URL fails with 400, 404 or 405 so dual clients fall back",
    specRef: "2025-03-26 and 2025-11-25 basic/transports §Backwards compatibility",
    async run(ctx) {
      const url = ctx.env.legacyUrl ?? ctx.url;
      const id = ctx.nextId("init");
      const reply = await ctx.post(initializeRequest(id, "2025-03-26"), { url });
      if ([400, 404, 405].includes(reply.status)) {
        await reply.close();
        return ctx.pass(`POST answered ${reply.status}`);
      }
      if (ok(reply)) {
        const read = await reply.readResponse(id);
        await reply.close();
        // One URL serving both transports is allowed: a modern client simply stays on Streamable HTTP.
        if (read.matched && "result" in read.matched) {
          return ctx.pass("the URL also serves Streamable HTTP, so no fallback is needed");
        }
      }
      await reply.close();
      if (clientError(reply)) {
        return ctx.warn(
          `POST answered ${reply.status}: 2025-03-26 clients fall back on any 4xx, but 2025-11-25 clients only on 400, 404 or 405`,
          {
            expected: "400, 404 or 405",
            actual: describe(reply),
          },
        );
      }
      return ctx.fail(
        `POST initialize on the SSE URL answered ${reply.status}; a dual client will not fall back to HTTP+SSE`,
        {
          expected: "400, 404 or 405",
          actual: describe(reply),
        },
      );
    },
  },
  {
    id: "T-LEG-04",
    area: "legacy",
    revisions: LEGACY,
    level: "MUST",
    title: "Both legacy endpoints reject a foreign Origin",
    specRef: T,
    async run(ctx) {
      const accepted = (which: string, reply: Reply) =>
        clientError(reply) ? undefined : ctx.fail(
          `the ${which} endpoint accepted Origin: http://evil.example (HTTP ${reply.status})`,
          { expected: "HTTP 4xx (403)", actual: describe(reply), evidence: [reply] },
        );
      const bad = await openLegacy(ctx, { origin: "http://evil.example" });
      await bad.close();
      const sseAccepted = accepted("SSE", bad);
      if (sseAccepted) return sseAccepted;
      const { endpoint } = await endpointOf(ctx);
      const post = await ctx.post(initializeRequest(ctx.nextId("init"), "2024-11-05"), {
        url: endpoint,
        headers: { origin: "http://evil.example" },
      });
      await post.text();
      return accepted("POST", post) ?? ctx.pass(`foreign Origin rejected (${bad.status} / ${post.status})`);
    },
  },
];
