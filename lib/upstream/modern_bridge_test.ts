/**
 * The 2025 → 2026-07-28 bridge in process: `Mcp-Param-*` from `x-mcp-header`, modern error codes made clear,
 * an input request for a capability the client did not declare reported (not hung on), and a 2025-era
 * upstream passed through untouched.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { paramHeaders } from "../protocol/request_meta.ts";
import type { JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import { createEraCache } from "./era.ts";
import { modernBridgeUpstream } from "./modern_bridge.ts";
import { sessionError } from "./modern_bridge_rounds.ts";
import { streamOf, type Upstream, type UpstreamMessage, type UpstreamReply } from "./types.ts";

const init: JsonRpcRequest = {
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
};

/** An upstream answering each request with `answer(request)`; every request sent is kept in `sent`. */
function fakeUpstream(answer: (r: JsonRpcRequest) => UpstreamReply) {
  const sent: { message: JsonRpcMessage; headers: Headers }[] = [];
  const upstream: Upstream = {
    description: "fake",
    connect: () => ({
      send: (messages, context) => {
        sent.push({ message: messages[0]!, headers: context?.headers ?? new Headers() });
        return Promise.resolve(answer(messages[0] as JsonRpcRequest));
      },
      listen: () => Promise.resolve(null),
      close: () => Promise.resolve(),
      ended: new Promise(() => {}),
    }),
  };
  return { upstream, sent };
}

const result = (id: unknown, value: unknown): UpstreamReply => ({
  type: "messages",
  delivery: "complete",
  messages: streamOf([{ message: { jsonrpc: "2.0", id, result: value } as JsonRpcMessage }]),
});

async function all(reply: UpstreamReply): Promise<JsonRpcMessage[]> {
  assert.equal(reply.type, "messages");
  const out: JsonRpcMessage[] = [];
  for await (const item of (reply as { messages: ReadableStream<UpstreamMessage> }).messages) out.push(item.message);
  return out;
}

test("paramHeaders mirrors x-mcp-header arguments, encodes non-ASCII and skips absent ones", () => {
  const schema = {
    properties: { region: { "x-mcp-header": "Region" }, city: { "x-mcp-header": "City" }, n: { "x-mcp-header": "N" } },
  };
  assert.deepEqual(paramHeaders(schema, { region: "eu", city: "Zürich", n: 3 }), {
    "mcp-param-region": "eu",
    "mcp-param-city": "=?base64?WsO8cmljaA==?=",
    "mcp-param-n": "3",
  });
  assert.deepEqual(paramHeaders(schema, { region: null }), {});
  assert.deepEqual(paramHeaders(undefined, { region: "eu" }), {});
});

test("sessionError turns the modern codes into 2025-era ones and keeps the others", () => {
  const mismatch = sessionError({ jsonrpc: "2.0", id: 1, error: { code: -32020, message: "bad header" } });
  assert.ok("error" in mismatch && mismatch.error.code === -32603 && /bad header/.test(mismatch.error.message));
  assert.deepEqual((mismatch as { error: { data: unknown } }).error.data, { modernCode: -32020, upstream: null });
  const version = sessionError({ jsonrpc: "2.0", id: 1, error: { code: -32022, message: "v" } });
  assert.ok("error" in version && version.error.code === -32603);
  const plain = { jsonrpc: "2.0" as const, id: 1, error: { code: -32601, message: "nope" } };
  assert.equal(sessionError(plain), plain);
});

test("an input request needing an undeclared capability becomes an error, not a wait", async () => {
  const { upstream, sent } = fakeUpstream((r) =>
    r.method === "server/discover"
      ? result(r.id, {
        supportedVersions: ["2026-07-28"],
        capabilities: { tools: {} },
        serverInfo: { name: "m", version: "1" },
      })
      : result(r.id, {
        resultType: "input_required",
        inputRequests: { s: { method: "sampling/createMessage", params: { messages: [], maxTokens: 1 } } },
      })
  );
  const connection = modernBridgeUpstream(upstream, createEraCache("auto")).connect();
  const [initialized] = await all(await connection.send([init]));
  assert.deepEqual((initialized as { result: { protocolVersion: string } }).result.protocolVersion, "2025-06-18");
  const call = { jsonrpc: "2.0" as const, id: 7, method: "tools/call", params: { name: "x", arguments: {} } };
  const messages = await all(await connection.send([call]));
  assert.equal(messages.length, 1);
  const error = messages[0] as { id: number; error: { code: number; message: string } };
  assert.equal(error.id, 7);
  assert.equal(error.error.code, -32600);
  assert.match(error.error.message, /sampling/);
  const modern = sent.find((s) => "method" in s.message && s.message.method === "tools/call")!;
  assert.equal(modern.headers.get("mcp-protocol-version"), "2026-07-28");
  assert.equal(modern.headers.get("mcp-name"), "x");
  await connection.close();
});

test("a 2025-era upstream gets the client's initialize unchanged", async () => {
  const { upstream, sent } = fakeUpstream((r) => result(r.id, { protocolVersion: "2025-06-18", capabilities: {} }));
  const connection = modernBridgeUpstream(upstream, createEraCache("2025")).connect();
  await all(await connection.send([init]));
  assert.deepEqual(sent.map((s) => s.message), [init]);
  await connection.close();
});

for (
  const [name, discover] of [
    ["answers discover with a bare {} (a mock)", {}],
    ["lists a 2025 revision too (dual-era)", { supportedVersions: ["2026-07-28", "2025-11-25"], capabilities: {} }],
  ] as const
) {
  test(`an upstream that ${name} gets the client's own initialize (no bridge)`, async () => {
    const { upstream, sent } = fakeUpstream((r) =>
      r.method === "server/discover"
        ? result(r.id, discover)
        : result(r.id, { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name: "s", version: "1" } })
    );
    const connection = modernBridgeUpstream(upstream, createEraCache("auto")).connect();
    const [answer] = await all(await connection.send([init]));
    assert.equal((answer as { result: { serverInfo: { name: string } } }).result.serverInfo.name, "s");
    assert.ok(sent.some((s) => s.message === init), "the client's initialize went upstream as it is");
    await connection.close();
  });
}
