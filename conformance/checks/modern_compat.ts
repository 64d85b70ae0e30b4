/**
 * Dual-era checks (2026-07-28 backward compatibility): a legacy-only server answers a modern request with a 4xx
 * that is not a modern error, so a dual-era client falls back (T-BC-03, run in the legacy era); a dual-era
 * server serves `initialize` and modern requests on the same endpoint (T-BC-04, run in the modern era).
 *
 * @module
 */
import { describe, errorCodeOf, type Message, rpc } from "../context.ts";
import type { Check } from "../types.ts";
import { STATELESS_REVISIONS } from "../types.ts";
import { askModern, discoveredVersions, MODERN_ERROR_CODES, summary } from "../modern.ts";
import { clientError, ok, STREAMABLE } from "./_helpers.ts";

const T = "2026-07-28 basic/transports/streamable-http §Backward Compatibility";
const V = "2026-07-28 basic/versioning §Backward Compatibility with Initialization-Based Versions";

/** The dual-era checks. */
export const MODERN_COMPAT_CHECKS: Check[] = [
  {
    id: "T-BC-03",
    area: "legacy",
    revisions: STREAMABLE,
    level: "SHOULD",
    title: "A legacy-only server answers a modern request with a 4xx that is not a modern error",
    specRef: `${T}; ${V} (compatibility matrix: dual-era client, legacy server)`,
    async run(ctx) {
      const legacy = (ctx.env.detected ?? []).filter((r) => r >= "2025-03-26" && r < "2026-07-28").sort();
      const newest = legacy[legacy.length - 1];
      if (newest !== undefined && ctx.revision !== newest) return ctx.skip(`checked once, under ${newest}`);
      const answer = await askModern(ctx, "server/discover");
      if (ok(answer.reply) && Array.isArray(answer.result?.supportedVersions)) {
        return ctx.skip("the server answers modern requests (dual-era); T-BC-04 and the 2026-07-28 checks apply");
      }
      const code = answer.code ?? errorCodeOf(await answer.reply.json().catch(() => undefined));
      if (code !== undefined && MODERN_ERROR_CODES.includes(code) && answer.status >= 400) {
        return ctx.fail(`a modern server/discover got ${answer.status} with the modern error ${code}`, {
          expected: "a 4xx whose body is not a modern error (-32020/-32021/-32022), so the client falls back",
          actual: summary(answer),
        });
      }
      if (clientError(answer.reply)) {
        return ctx.pass(`answered ${answer.status} without a modern error: a dual-era client falls back to initialize`);
      }
      return ctx.fail(`a modern server/discover answered ${describe(answer.reply)}`, {
        expected: "a 4xx without a modern error body (what makes a dual-era client fall back)",
        actual: describe(answer.reply),
      });
    },
  },
  {
    id: "T-BC-04",
    area: "lifecycle",
    revisions: STATELESS_REVISIONS,
    level: "MAY",
    title: "A dual-era server serves initialize and modern requests on the same endpoint",
    specRef: V,
    async run(ctx) {
      const versions = await discoveredVersions(ctx);
      const claimed = versions.filter((v) => v < "2026-07-28").sort();
      const version = claimed[claimed.length - 1] ?? "2025-11-25";
      let session;
      try {
        session = await ctx.initialize({ protocolVersion: version });
      } catch {
        if (claimed.length === 0) return ctx.info("a 2026-07-28-only server: initialize is refused, as it may be");
        return ctx.fail(`server/discover lists ${claimed.join(", ")}, but initialize(${version}) was refused`, {
          expected: "initialize served for the legacy versions server/discover lists",
          actual: "initialize refused (see the evidence)",
        });
      }
      const modern = await askModern(ctx, "server/discover");
      const id = ctx.nextId();
      const legacyReply = await session.post(rpc(id, "tools/list", {}));
      const read = await legacyReply.readResponse(id);
      const served = (read.matched?.result as Message | undefined) !== undefined;
      if (!ok(modern.reply) || !modern.result || !served) {
        return ctx.fail(
          "initialize was served, but a modern request and the legacy session did not both work after it",
          {
            expected: "server/discover (modern) and tools/list (in the legacy session) both answered",
            actual: `modern: ${summary(modern)}; legacy: ${describe(legacyReply)}`,
          },
        );
      }
      const note = claimed.length === 0 ? `; server/discover lists only ${versions.join(", ")}` : "";
      return ctx.pass(`initialize(${version}) and modern requests are both served${note}`);
    },
  },
];
