/**
 * 2026-07-28 mirrored-header checks: `Mcp-Method` and `Mcp-Name` must match the body (values case-sensitive),
 * `=?base64?…?=` values are decoded before comparing, and `Mcp-Param-*` headers from `x-mcp-header` must match
 * the tool arguments.
 *
 * @module
 */
import { _argsFromSchema, type Message, schemaProperties } from "../context.ts";
import type { Check } from "../types.ts";
import { STATELESS_REVISIONS } from "../types.ts";
import {
  askModern,
  encodeHeaderValue,
  hasHeaderParam,
  HEADER_MISMATCH,
  type ModernAnswer,
  modernTools,
  summary,
} from "../modern.ts";
import { judgeRejection, ok, unservedFailure } from "./_helpers.ts";
import type { Context } from "../context.ts";
import type { Outcome } from "../types.ts";

const T = "2026-07-28 basic/transports/streamable-http §Request Metadata";

/** A tool to call without `Mcp-Param-*` headers, with arguments from its schema; a made-up name when none. */
async function plainTool(ctx: Context): Promise<{ name: string; args: Record<string, unknown>; real: boolean }> {
  const tool = (await modernTools(ctx)).find((t) =>
    typeof t.name === "string" && !hasHeaderParam(t) && !/sampl|elicit|roots/i.test(t.name)
  );
  if (!tool) return { name: "mcpwire-no-such-tool", args: {}, real: false };
  return { name: tool.name as string, args: _argsFromSchema(tool.inputSchema), real: true };
}

/** Runs negative tests in order and returns the first one that does not pass, else undefined. */
async function firstFailure(
  ctx: Context,
  cases: [string, () => ReturnType<typeof askModern>][],
): Promise<Outcome | undefined> {
  for (const [what, send] of cases) {
    const outcome = judgeRejection(ctx, what, await send(), [HEADER_MISMATCH]);
    if (outcome.status !== "pass") return outcome;
  }
  return undefined;
}

/** Served without a header mismatch: a 2xx that is not -32020 (a tool error still counts as accepted headers). */
function headersAccepted(answer: ModernAnswer): boolean {
  return ok(answer.reply) && answer.code !== HEADER_MISMATCH;
}

/** The first top-level `x-mcp-header` property of a tool: property name, header name, schema type. */
function headerParam(tool: Message): { prop: string; header: string; type: unknown } | undefined {
  for (const [prop, schema] of Object.entries(schemaProperties(tool))) {
    const header = schema?.["x-mcp-header"];
    if (typeof header === "string") return { prop, header, type: schema.type };
  }
  return undefined;
}

/** `value` as a `=?base64?…?=` header value with the Base64 padding removed (an invalid value, T-PV-11). */
function unpadded(value: string | number | boolean): string {
  return encodeHeaderValue(value, true).replace(/=+\?=$/, "?=");
}

/** Checks of the 2026-07-28 mirrored headers. */
export const MODERN_HEADER_CHECKS: Check[] = [
  {
    id: "T-PV-09",
    area: "version",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "A missing or mismatched Mcp-Method or Mcp-Name gets 400 and -32020",
    specRef: `${T} §Standard Request Headers, §Case Sensitivity, §Server Validation`,
    async run(ctx) {
      const tool = await plainTool(ctx);
      const call = { name: tool.name, arguments: tool.args };
      const failed = await firstFailure(ctx, [
        ["no Mcp-Method", () => askModern(ctx, "server/discover", {}, { headers: { "mcp-method": undefined } })],
        [
          "Mcp-Method: tools/list on server/discover",
          () => askModern(ctx, "server/discover", {}, { headers: { "mcp-method": "tools/list" } }),
        ],
        [
          "Mcp-Method: Server/Discover (values are case-sensitive)",
          () => askModern(ctx, "server/discover", {}, { headers: { "mcp-method": "Server/Discover" } }),
        ],
        [
          `tools/call ${tool.name} without Mcp-Name`,
          () => askModern(ctx, "tools/call", call, { headers: { "mcp-name": undefined } }),
        ],
        [
          `tools/call ${tool.name} with Mcp-Name: mcpwire-other`,
          () => askModern(ctx, "tools/call", call, { headers: { "mcp-name": "mcpwire-other" } }),
        ],
      ]);
      return failed ?? ctx.pass("all five header mismatches got 400 and -32020");
    },
  },
  {
    id: "T-PV-10",
    area: "version",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "Base64-sentinel header values are decoded before they are compared",
    specRef: `${T} §Value Encoding`,
    async run(ctx) {
      const tool = await plainTool(ctx);
      if (!tool.real) return ctx.skip("no tool in tools/list to call with an encoded Mcp-Name");
      const call = { name: tool.name, arguments: tool.args };
      const encoded = encodeHeaderValue(tool.name, true);
      const good = await askModern(ctx, "tools/call", call, { headers: { "mcp-name": encoded } });
      const what = `Mcp-Name: ${encoded} (= ${tool.name})`;
      const refused = unservedFailure(ctx, what, good, "the encoded name decoded and accepted", headersAccepted);
      if (refused) return refused;
      const other = encodeHeaderValue("mcpwire-other", true);
      const bad = await askModern(ctx, "tools/call", call, { headers: { "mcp-name": other } });
      const rejected = judgeRejection(ctx, `Mcp-Name: ${other} (= mcpwire-other)`, bad, [HEADER_MISMATCH]);
      if (rejected.status !== "pass") return rejected;
      const param = (await modernTools(ctx)).find((t) => headerParam(t)?.type === "string");
      if (param) {
        const { prop, header } = headerParam(param)!;
        const value = "Zürich ✓";
        const args = { ..._argsFromSchema(param.inputSchema), [prop]: value };
        const sent = await askModern(ctx, "tools/call", { name: param.name, arguments: args }, {
          headers: { [`mcp-param-${header.toLowerCase()}`]: encodeHeaderValue(value) },
        });
        if (sent.code === HEADER_MISMATCH) {
          return ctx.fail(`Mcp-Param-${header}: ${encodeHeaderValue(value)} (= ${value}) was not decoded`, {
            expected: "accepted",
            actual: summary(sent),
            evidence: [sent.reply],
          });
        }
      }
      return ctx.pass(
        `an encoded Mcp-Name was decoded${param ? " (and an encoded Mcp-Param)" : ""}; a different one was rejected`,
      );
    },
  },
  {
    id: "T-PV-11",
    area: "version",
    revisions: STATELESS_REVISIONS,
    level: "MUST",
    title: "Mcp-Param headers (x-mcp-header) must match the tool arguments, and invalid values are refused",
    specRef: `${T} §Custom Headers from Tool Parameters`,
    async run(ctx) {
      const tool = (await modernTools(ctx)).find((t) => headerParam(t) !== undefined);
      if (!tool) return ctx.skip("no tool in tools/list declares x-mcp-header");
      const { prop, header, type } = headerParam(tool)!;
      const value = type === "number" || type === "integer" ? 42 : type === "boolean" ? true : "us-west1";
      const wrong = typeof value === "string" ? "eu-north9" : typeof value === "number" ? "7" : "false";
      const args = { ..._argsFromSchema(tool.inputSchema), [prop]: value };
      const call = { name: tool.name, arguments: args };
      const name = `mcp-param-${header.toLowerCase()}`;
      const good = await askModern(ctx, "tools/call", call, { headers: { [name]: encodeHeaderValue(value) } });
      const what = `tools/call ${String(tool.name)} with a matching Mcp-Param-${header}`;
      const refused = unservedFailure(ctx, what, good, "served", headersAccepted);
      if (refused) return refused;
      const failed = await firstFailure(ctx, [
        [
          `Mcp-Param-${header}: ${wrong} for ${prop}=${String(value)}`,
          () => askModern(ctx, "tools/call", call, { headers: { [name]: wrong } }),
        ],
        [`no Mcp-Param-${header} for ${prop}=${String(value)}`, () => askModern(ctx, "tools/call", call)],
        // Base64 without its padding is not Base64 (RFC 4648 §3.2): a value with invalid characters is refused.
        [
          `Mcp-Param-${header}: ${unpadded(value)} (Base64 without its padding) for ${prop}=${String(value)}`,
          () => askModern(ctx, "tools/call", call, { headers: { [name]: unpadded(value) } }),
        ],
      ]);
      return failed ??
        ctx.pass(`a matching Mcp-Param-${header} was served; a wrong, a missing and an unpadded one got 400/-32020`);
    },
  },
];
