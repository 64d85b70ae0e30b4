/**
 * Raw-fetch helpers of the interceptor tests: a hand-made session (any protocol revision, so batches of
 * 2025-03-26 can be sent) and the batch test shared by the HTTP and stdio suites.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initRequest, postHeaders } from "../_test_utils.ts";
import { decodeSse } from "../sse/decode.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";

/** A session opened with raw fetch. */
export interface RawSession {
  sessionId: string;
  post(body: unknown): Promise<Response>;
  close(): Promise<void>;
}

/** Initializes a session at `revision` and sends `notifications/initialized`. */
export async function rawSession(endpoint: URL, revision: string): Promise<RawSession> {
  const init = await fetch(endpoint, { method: "POST", headers: postHeaders(), body: JSON.stringify(initRequest(revision)) });
  assert.equal(init.status, 200);
  await init.body?.cancel();
  const sessionId = init.headers.get("mcp-session-id")!;
  const headers = postHeaders({ "mcp-session-id": sessionId, "mcp-protocol-version": revision });
  const post = (body: unknown) => fetch(endpoint, { method: "POST", headers, body: JSON.stringify(body) });
  const ack = await post({ jsonrpc: "2.0", method: "notifications/initialized" });
  assert.equal(ack.status, 202);
  return {
    sessionId,
    post,
    async close() {
      const r = await fetch(endpoint, { method: "DELETE", headers: { "mcp-session-id": sessionId } });
      await r.body?.cancel();
    },
  };
}

/** Every JSON-RPC message of an SSE response body, in order (bounded by the test's timeout). */
export async function sseMessages(response: Response): Promise<JsonRpcMessage[]> {
  const out: JsonRpcMessage[] = [];
  for await (const item of decodeSse(response.body!)) {
    if (item.type === "event" && item.data !== "") out.push(JSON.parse(item.data));
  }
  return out;
}

/** T-BATCH-01: a 2025-03-26 batch whose members meet different rules, each intercepted on its own. */
export function batchTest(endpoint: () => URL): void {
  test("batch (2025-03-26): each member meets its own rule; local and upstream answers share one SSE reply", { timeout: 20_000 }, async () => {
    const s = await rawSession(endpoint(), "2025-03-26");
    try {
      const r = await s.post([
        { jsonrpc: "2.0", id: "env", method: "tools/call", params: { name: "get-env", arguments: {} } },
        { jsonrpc: "2.0", id: "echo", method: "tools/call", params: { name: "echo", arguments: { message: "rewrite it" } } },
        { jsonrpc: "2.0", id: "sum", method: "tools/call", params: { name: "get-sum", arguments: { a: 2, b: 2 } } },
        {
          jsonrpc: "2.0",
          id: "long",
          method: "tools/call",
          params: { name: "trigger-long-running-operation", arguments: { duration: 0.3, steps: 3 }, _meta: { progressToken: "p1" } },
        },
      ]);
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-type") ?? "", /^text\/event-stream/);
      const messages = await sseMessages(r);
      const byId = new Map(messages.filter((m) => "id" in m && !("method" in m)).map((m) => [(m as { id: string }).id, m]));
      assert.deepEqual((byId.get("env") as { error: unknown }).error, { code: -32050, message: "get-env is disabled by policy" });
      assert.deepEqual((byId.get("echo") as { result: unknown }).result, { content: [{ type: "text", text: "rewritten by rules" }] });
      assert.deepEqual((byId.get("sum") as { result: unknown }).result, { content: [{ type: "text", text: "42, from the rules" }] });
      assert.match(JSON.stringify(byId.get("long")), /Long running operation completed/);
      const methods = messages.filter((m) => "method" in m).map((m) => (m as { method: string }).method);
      assert.deepEqual(methods, ["notifications/message"], "progress dropped, the injected log kept");
      const logAt = messages.findIndex((m) => "method" in m);
      const echoAt = messages.indexOf(byId.get("echo")!);
      assert.ok(logAt < echoAt, "the injected notification comes before the result it announces");
    } finally {
      await s.close();
    }
  });
}
