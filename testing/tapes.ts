/**
 * Tapes written by hand for the replay tests: one session with `initialize` and a slow tool call whose
 * progress notifications were recorded `stepMs` apart, plus a standalone-stream message.
 *
 * @module
 */
import { tapeLine, type TapeRecord } from "../lib/record/tape.ts";

/** Recorded time of the `tools/call` request, ms since the epoch (the offsets below count from it). */
export const CALL_AT = 10_000;

/**
 * A tape of `initialize`, `notifications/initialized` and `tools/call slow` (id 2, progress token 7)
 * answered by `steps` progress notifications `stepMs` apart and the response with the last one; a
 * `notifications/resources/updated` on the standalone stream `standaloneMs` after the call.
 */
export function slowCallTape(options: { steps?: number; stepMs?: number; standaloneMs?: number } = {}): string {
  const steps = options.steps ?? 4;
  const stepMs = options.stepMs ?? 150;
  const session = "abcdefghijklmnop";
  const base = { type: "message" as const, session, revision: "2025-06-18" };
  const records: TapeRecord[] = [
    { type: "tape", format: "mcpwire-tape", version: 1, createdAt: "2026-01-01T00:00:00.000Z", upstream: "fixture" },
    {
      ...base,
      at: CALL_AT - 100,
      direction: "client-to-server",
      stream: "post",
      message: {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      },
    },
    {
      ...base,
      at: CALL_AT - 95,
      direction: "server-to-client",
      stream: "post",
      message: {
        jsonrpc: "2.0",
        id: 1,
        result: { protocolVersion: "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: "f", version: "1" } },
      },
    },
    {
      ...base,
      at: CALL_AT - 50,
      direction: "client-to-server",
      stream: "post",
      message: { jsonrpc: "2.0", method: "notifications/initialized" },
    },
    {
      ...base,
      at: CALL_AT,
      direction: "client-to-server",
      stream: "post",
      message: {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "slow", arguments: {}, _meta: { progressToken: 7 } },
      },
    },
  ];
  for (let i = 1; i <= steps; i++) {
    records.push({
      ...base,
      at: CALL_AT + i * stepMs,
      direction: "server-to-client",
      stream: "post",
      message: {
        jsonrpc: "2.0",
        method: "notifications/progress",
        params: { progressToken: 7, progress: i, total: steps },
      },
    });
  }
  if (options.standaloneMs !== undefined) {
    records.push({
      ...base,
      at: CALL_AT + options.standaloneMs,
      direction: "server-to-client",
      stream: "get",
      message: { jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: "test://x" } },
    });
  }
  records.push({
    ...base,
    at: CALL_AT + steps * stepMs,
    direction: "server-to-client",
    stream: "post",
    message: { jsonrpc: "2.0", id: 2, result: { content: [{ type: "text", text: `done after ${steps} steps` }] } },
  });
  records.sort((a, b) => (a.type === "tape" ? -1 : b.type === "tape" ? 1 : a.at - b.at));
  return records.map(tapeLine).join("");
}
