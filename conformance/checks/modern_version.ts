/**
 * 2026-07-28 version and request-metadata checks: the `MCP-Protocol-Version` header against `_meta`, unsupported
 * versions, a missing header, required `_meta` fields, missing client capabilities, and `server/discover`.
 *
 * @module
 */
import { describe, excerpt, type Message } from "../context.ts";
import type { Check } from "../types.ts";
import { STATELESS_REVISIONS } from "../types.ts";
import {
  askModern,
  errorData,
  HEADER_MISMATCH,
  META_CAPABILITIES,
  META_CLIENT_INFO,
  META_VERSION,
  MISSING_CAPABILITY,
  MODERN_VERSION,
  modernTools,
  summary,
  UNSUPPORTED_VERSION,
} from "../modern.ts";
import { clientError, judgeRejection, ok, unservedFailure } from "./_helpers.ts";

const T = "2026-07-28 basic/transports/streamable-http §Protocol Version Header";
const B = "2026-07-28 basic/index §_meta (per-request protocol fields)";

/** Checks of the 2026-07-28 version area. */
export const MODERN_VERSION_CHECKS: Check[] = [
  {
    id: "T-PV-06",
    area: "version",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "An MCP-Protocol-Version header that differs from _meta gets 400 and -32020",
    specRef: T,
    async run(ctx) {
      const answer = await askModern(ctx, "server/discover", {}, { meta: { [META_VERSION]: "2025-11-25" } });
      return judgeRejection(ctx, "header 2026-07-28 with _meta version 2025-11-25", answer, [HEADER_MISMATCH]);
    },
  },
  {
    id: "T-PV-07",
    area: "version",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "An unsupported version gets 400 and -32022 listing the supported versions",
    specRef: `${T}; 2026-07-28 basic/versioning §Protocol Version Negotiation`,
    async run(ctx) {
      const requested = "1900-01-01";
      const answer = await askModern(ctx, "server/discover", {}, {
        meta: { [META_VERSION]: requested },
        headers: { "mcp-protocol-version": requested },
      });
      const rejected = judgeRejection(ctx, `version ${requested}`, answer, [UNSUPPORTED_VERSION]);
      if (rejected.status !== "pass") return rejected;
      const data = errorData(answer);
      const supported = data?.supported;
      if (!Array.isArray(supported) || supported.length === 0) {
        return ctx.fail("the -32022 error has no data.supported list", {
          expected: "error.data.supported: the versions the server implements",
          actual: JSON.stringify(data ?? null),
          evidence: [answer.reply],
        });
      }
      const note = data?.requested === requested ? "" : ` (data.requested is ${JSON.stringify(data?.requested)})`;
      return ctx.pass(`rejected with 400 and -32022; supported: ${supported.join(", ")}${note}`, {
        evidence: [answer.reply],
      });
    },
  },
  {
    id: "T-PV-08",
    area: "version",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "A modern request without MCP-Protocol-Version is rejected (or handled as 2025-03-26)",
    specRef: T,
    async run(ctx) {
      const answer = await askModern(ctx, "server/discover", {}, { headers: { "mcp-protocol-version": undefined } });
      if (answer.status === 400 && answer.code === HEADER_MISMATCH) return ctx.pass("rejected with 400 and -32020");
      const legacy = (ctx.env.detected ?? []).includes("2025-03-26");
      const served = ok(answer.reply) && Array.isArray(answer.result?.supportedVersions);
      if (!served && legacy && clientError(answer.reply)) {
        return ctx.pass(`answered ${answer.status}: handled as a 2025-03-26 request, which this server serves`);
      }
      return ctx.fail(`server/discover without MCP-Protocol-Version answered ${summary(answer)}`, {
        expected: "HTTP 400 and -32020 (or 2025-03-26 handling, by a server that serves 2025-03-26)",
        actual: describe(answer.reply),
      });
    },
  },
  {
    id: "T-PV-12",
    area: "version",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "A request whose _meta lacks protocolVersion or clientCapabilities gets 400 and -32602",
    specRef: B,
    async run(ctx) {
      const noInfo = { [META_CLIENT_INFO]: undefined };
      const caps = await askModern(ctx, "server/discover", {}, { meta: { ...noInfo, [META_CAPABILITIES]: undefined } });
      const noCaps = judgeRejection(ctx, "_meta without clientCapabilities", caps, [-32602]);
      if (noCaps.status !== "pass") return noCaps;
      const version = await askModern(ctx, "server/discover", {}, { meta: { ...noInfo, [META_VERSION]: undefined } });
      // The header still names 2026-07-28, so a header/body mismatch (-32020) is as right as -32602 here.
      const noVersion = judgeRejection(ctx, "_meta without protocolVersion", version, [-32602, HEADER_MISMATCH]);
      if (noVersion.status !== "pass") return noVersion;
      const optional = await askModern(ctx, "server/discover", {}, { meta: noInfo });
      const what = "a request without the optional clientInfo";
      return unservedFailure(ctx, what, optional, "served (clientInfo is optional)") ??
        ctx.pass("missing required fields got 400/-32602; a request without clientInfo was served");
    },
  },
  {
    id: "T-PV-13",
    area: "version",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "A request that needs an undeclared client capability gets 400 and -32021",
    specRef: B,
    async run(ctx) {
      const tool = (await modernTools(ctx)).find((t) =>
        typeof t.name === "string" && /sampl|elicit|roots/i.test(t.name)
      );
      if (!tool) return ctx.skip("no tool named like sampling, elicitation or roots in tools/list");
      const name = tool.name as string;
      const answer = await askModern(ctx, "tools/call", { name, arguments: {} });
      const asks = answer.result?.resultType === "input_required";
      if (asks) {
        return ctx.fail(`tools/call ${name} asked for client input although no capability was declared`, {
          expected: "HTTP 400 and -32021 with data.requiredCapabilities",
          actual: excerpt(answer.result),
        });
      }
      if (answer.code === MISSING_CAPABILITY) {
        const data = errorData(answer);
        const required = data?.requiredCapabilities;
        if (answer.status !== 400 || typeof required !== "object" || required === null) {
          return ctx.fail(`-32021 came with HTTP ${answer.status} and data ${JSON.stringify(data ?? null)}`, {
            expected: "HTTP 400 and data.requiredCapabilities (an object)",
            actual: summary(answer),
          });
        }
        return ctx.pass(`rejected with 400 and -32021 (requires ${Object.keys(required).join(", ")})`);
      }
      return ctx.info(`tools/call ${name} with no capabilities answered ${summary(answer)}; it may not need one`);
    },
  },
  {
    id: "T-PV-14",
    area: "version",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "server/discover lists the supported versions and the capabilities",
    specRef: "2026-07-28 server/discover; basic/versioning §Protocol Version Negotiation",
    async run(ctx) {
      const answer = await askModern(ctx, "server/discover");
      const result = answer.result;
      const versions = result?.supportedVersions;
      if (!ok(answer.reply) || !result || !Array.isArray(versions) || versions.length === 0) {
        return ctx.fail(`server/discover answered ${summary(answer)} without supportedVersions`, {
          expected: "HTTP 200 and result.supportedVersions (a non-empty list) and result.capabilities",
          actual: excerpt(result ?? answer.message ?? null),
        });
      }
      if (typeof result.capabilities !== "object" || result.capabilities === null) {
        return ctx.fail("the DiscoverResult has no capabilities object", {
          actual: excerpt(result),
        });
      }
      if (!versions.includes(MODERN_VERSION)) {
        return ctx.fail(`supportedVersions (${versions.join(", ")}) lacks ${MODERN_VERSION}, which it just served`);
      }
      const info = (result._meta as Message | undefined)?.["io.modelcontextprotocol/serverInfo"]
        ? ""
        : "; no serverInfo";
      return ctx.pass(`supportedVersions: ${versions.join(", ")}${info}`);
    },
  },
];
