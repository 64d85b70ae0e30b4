/**
 * Short human-readable descriptions of JSON-RPC messages, for traffic logs and tape timelines.
 *
 * @module
 */
import type { JsonRpcMessage } from "./types.ts";

/**
 * A short description of a message: `initialize #1`, `tools/call #2 echo`, `result #1`, `error #3 -32601 …`,
 * `notifications/progress 2/4`.
 *
 * @param message Any JSON-RPC message.
 * @returns One line of text.
 * @example
 * ```ts
 * import { describeMessage } from "./describe.ts";
 * console.assert(describeMessage({ jsonrpc: "2.0", id: 1, result: {} }) === "result #1");
 * ```
 */
export function describeMessage(message: JsonRpcMessage): string {
  if ("method" in message) {
    const id = "id" in message ? ` #${message.id}` : "";
    const params = message.params as Record<string, unknown> | undefined;
    let detail = "";
    if (message.method === "tools/call" && typeof params?.name === "string") detail = ` ${params.name}`;
    else if (message.method === "resources/read" && typeof params?.uri === "string") detail = ` ${params.uri}`;
    else if (message.method === "prompts/get" && typeof params?.name === "string") detail = ` ${params.name}`;
    else if (message.method === "notifications/progress" && params) {
      detail = ` ${params.progress}${params.total !== undefined ? `/${params.total}` : ""}`;
    }
    return `${message.method}${id}${detail}`;
  }
  if ("error" in message) return `error #${message.id ?? "-"} ${message.error.code} ${message.error.message}`;
  return `result #${message.id}`;
}
