/**
 * End to end: rules shape real traffic between the official MCP SDK client and the real
 * server-everything, through `createReverseProxy`, over Streamable HTTP (SSE replies) and over stdio.
 * Every action is observed from the client's side.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Client,
  LoggingMessageNotificationSchema,
  ResourceListChangedNotificationSchema,
  StreamableHTTPClientTransport,
} from "../../testing/deps.ts";
import { EVERYTHING, type HttpChild, type ServedProxy, serveProxy, startEverything } from "../../testing/e2e.ts";
import { streamableHttpUpstream } from "../upstream/streamable_http.ts";
import { stdioUpstream } from "../upstream/stdio.ts";
import { spawn } from "../runtime/process.ts";
import type { Upstream } from "../upstream/types.ts";
import { createInterceptorChain } from "./chain.ts";
import { interceptUpstream } from "./upstream.ts";
import { parseRules } from "./rules_load.ts";
import { createRulesEngine } from "./rules_engine.ts";
import { batchTest, rawSession, startJsonServer, TEST_RULES_YAML } from "../../testing/intercept.ts";

function shaped(inner: Upstream): Upstream {
  const parsed = parseRules(TEST_RULES_YAML);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const engine = createRulesEngine(parsed.rules);
  // A programmatic interceptor next to the rules: it throws for one tool, to show the error path.
  const chain = createInterceptorChain([
    (e) => {
      if ("method" in e.message && (e.message.params as { name?: string } | undefined)?.name === "get-tiny-image") {
        throw new Error("boom");
      }
    },
    engine.interceptor,
  ]);
  return interceptUpstream(inner, chain);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))),
  ]);
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}

async function connect(endpoint: URL) {
  const client = new Client({ name: "intercept-e2e", version: "1" });
  const logs: unknown[] = [];
  let listChanged!: () => void;
  const greeted = new Promise<void>((resolve) => (listChanged = resolve));
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n: { params: { data: unknown } }) => {
    logs.push(n.params.data);
  });
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => listChanged());
  const transport = new StreamableHTTPClientTransport(endpoint);
  await client.connect(transport);
  return {
    client,
    logs,
    greeted,
    async close() {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
}

/** Runs every action against `endpoint` and checks it from the SDK client's side. */
function actionTests(endpoint: () => URL, options: { json?: boolean } = {}): void {
  test("block: get-env is answered with the rule's JSON-RPC error and never runs", { timeout: 20_000 }, async () => {
    const s = await connect(endpoint());
    try {
      await assert.rejects(
        s.client.callTool({ name: "get-env", arguments: {} }),
        (e: { code?: number; message: string }) => {
          assert.equal(e.code, -32050);
          assert.match(e.message, /get-env is disabled by policy/);
          return true;
        },
      );
      // The session lives on.
      const echoed = await s.client.callTool({ name: "echo", arguments: { message: "still here" } });
      assert.deepEqual(echoed.content, [{ type: "text", text: "Echo: still here" }]);
    } finally {
      await s.close();
    }
  });

  test("respond: get-sum is answered by the rule, not the server", { timeout: 20_000 }, async () => {
    const s = await connect(endpoint());
    try {
      const result = await s.client.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } });
      assert.deepEqual(result.content, [{ type: "text", text: "42, from the rules" }]);
    } finally {
      await s.close();
    }
  });

  test("set + inject: the echo result is rewritten inside the SSE stream, a log notification comes first", {
    timeout: 20_000,
  }, async () => {
    const s = await connect(endpoint());
    try {
      const plain = await s.client.callTool({ name: "echo", arguments: { message: "plain" } });
      assert.deepEqual(plain.content, [{ type: "text", text: "Echo: plain" }]);
      assert.deepEqual(s.logs, []);
      const result = await s.client.callTool({ name: "echo", arguments: { message: "rewrite me" } });
      assert.deepEqual(result.content, [{ type: "text", text: "rewritten by rules" }]);
      // On an SSE reply the injected notification comes inline, before the result; a JSON reply has no
      // room for it, so it goes on the standalone stream and arrives on its own.
      if (options.json) await withTimeout(waitFor(() => s.logs.length > 0), 5_000, "the injected log");
      assert.deepEqual(s.logs, ["echo rewritten"]);
    } finally {
      await s.close();
    }
  });

  test("drop: progress notifications matching the rule (total 3) never reach the client, the result does", {
    timeout: 20_000,
    skip: options.json,
  }, async () => {
    const s = await connect(endpoint());
    try {
      const progress: number[] = [];
      const result = await s.client.callTool(
        { name: "trigger-long-running-operation", arguments: { duration: 0.4, steps: 3 } },
        undefined,
        { onprogress: (p: { progress: number }) => progress.push(p.progress) },
      );
      assert.match(JSON.stringify(result.content), /Long running operation completed/);
      assert.deepEqual(progress, []);
    } finally {
      await s.close();
    }
  });

  test("set on SSE events: each progress notification is rewritten as it streams, none is held back", {
    timeout: 20_000,
    skip: options.json,
  }, async () => {
    const s = await connect(endpoint());
    try {
      const progress: { at: number; progress: number; message?: string }[] = [];
      const started = Date.now();
      const result = await s.client.callTool(
        { name: "trigger-long-running-operation", arguments: { duration: 1, steps: 4 } },
        undefined,
        {
          onprogress: (p: { progress: number; message?: string }) => progress.push({ at: Date.now() - started, ...p }),
        },
      );
      const finishedAt = Date.now() - started;
      assert.match(JSON.stringify(result.content), /Long running operation completed/);
      assert.deepEqual(progress.map((p) => [p.progress, p.message]), [1, 2, 3, 4].map((n) => [n, "seen by mcpwire"]));
      assert.ok(
        progress[0]!.at < finishedAt - 400,
        `first progress at ${progress[0]!.at} ms, result at ${finishedAt} ms`,
      );
      assert.ok(
        progress[3]!.at - progress[0]!.at >= 500,
        `progress spread over ${progress[3]!.at - progress[0]!.at} ms`,
      );
    } finally {
      await s.close();
    }
  });

  test(
    "inject on the standalone stream: the client gets resources/list_changed after initialized",
    { timeout: 20_000 },
    async () => {
      const s = await connect(endpoint());
      try {
        await withTimeout(s.greeted, 5_000, "the injected notification");
      } finally {
        await s.close();
      }
    },
  );

  test("delay: tools/list answers at least 600 ms late", { timeout: 20_000 }, async () => {
    const s = await connect(endpoint());
    try {
      const started = Date.now();
      const tools = await s.client.listTools();
      const took = Date.now() - started;
      assert.ok(tools.tools.length > 3);
      assert.ok(took >= 580, `tools/list took ${took} ms`);
      const pingStarted = Date.now();
      await s.client.ping();
      const pingTook = Date.now() - pingStarted;
      assert.ok(pingTook < 580, `other methods are not delayed (ping took ${pingTook} ms)`);
    } finally {
      await s.close();
    }
  });

  test("rate limit: the third ping of a session is refused, another session is not", { timeout: 20_000 }, async () => {
    const s = await connect(endpoint());
    const t = await connect(endpoint());
    try {
      assert.deepEqual(await s.client.ping(), {});
      assert.deepEqual(await s.client.ping(), {});
      await assert.rejects(s.client.ping(), (e: { code?: number; message: string }) => {
        assert.equal(e.code, -32000);
        assert.match(e.message, /Rate limit exceeded: at most 2 per 1m/);
        return true;
      });
      assert.deepEqual(await t.client.ping(), {});
    } finally {
      await s.close();
      await t.close();
    }
  });

  test("a throwing interceptor gives a clear JSON-RPC error and the session goes on", { timeout: 20_000 }, async () => {
    const s = await connect(endpoint());
    try {
      await assert.rejects(
        s.client.callTool({ name: "get-tiny-image", arguments: {} }),
        (e: { code?: number; message: string }) => {
          assert.equal(e.code, -32603);
          assert.match(e.message, /Interceptor 0 failed: boom/);
          return true;
        },
      );
      assert.deepEqual(await s.client.ping(), {});
    } finally {
      await s.close();
    }
  });
}

describe("rules over Streamable HTTP (server-everything, SSE replies)", () => {
  let everything: HttpChild;
  let served: ServedProxy;
  before(async () => {
    everything = await startEverything("streamableHttp");
    served = await serveProxy({ upstream: shaped(streamableHttpUpstream({ url: new URL("/mcp", everything.url) })) });
  });
  after(async () => {
    await served?.close();
    await everything?.close();
  });
  actionTests(() => served.endpoint);
  batchTest(() => served.endpoint);
});

describe("rules over Streamable HTTP (SDK server with JSON replies)", () => {
  let upstream: { url: URL; close(): Promise<void> };
  let served: ServedProxy;
  before(async () => {
    upstream = await startJsonServer();
    served = await serveProxy({ upstream: shaped(streamableHttpUpstream({ url: upstream.url })) });
  });
  after(async () => {
    await served?.close();
    await upstream?.close();
  });
  actionTests(() => served.endpoint, { json: true });

  test(
    "drop: a notification on the standalone stream is dropped, the next one arrives",
    { timeout: 20_000 },
    async () => {
      const s = await connect(served.endpoint);
      try {
        await withTimeout(s.greeted, 5_000, "the standalone stream");
        await s.client.callTool({ name: "noisy", arguments: {} });
        await withTimeout(waitFor(() => s.logs.includes("kept")), 5_000, "the kept log");
        assert.deepEqual(s.logs, ["kept"]);
      } finally {
        await s.close();
      }
    },
  );

  test("a rewritten JSON reply stays a JSON reply", { timeout: 20_000 }, async () => {
    const s = await rawSession(served.endpoint, "2025-06-18");
    const r = await s.post({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "echo", arguments: { message: "rewrite" } },
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
    const body = await r.json();
    assert.deepEqual(body, {
      jsonrpc: "2.0",
      id: 2,
      result: { content: [{ type: "text", text: "rewritten by rules" }] },
    });
    const b = await s.post({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "get-env", arguments: {} } });
    assert.match(b.headers.get("content-type") ?? "", /^application\/json/);
    assert.deepEqual((await b.json()).error, { code: -32050, message: "get-env is disabled by policy" });
    await s.close();
  });
});

describe("rules over stdio (server-everything stdio child per session)", () => {
  let served: ServedProxy;
  before(async () => {
    served = await serveProxy({
      upstream: shaped(stdioUpstream({ command: "node", args: [EVERYTHING, "stdio"], spawn })),
    });
  });
  after(async () => {
    await served?.close();
  });
  actionTests(() => served.endpoint);
  batchTest(() => served.endpoint);
});
