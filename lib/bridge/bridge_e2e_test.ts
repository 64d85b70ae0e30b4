/**
 * End to end, the era bridge (issue 13 part 1): the real 2.x SDK client pinned to 2026-07-28 through
 * `createReverseProxy` in front of the real server-everything (2025-era Streamable HTTP). Tools, progress,
 * resources, a sampling request completing through an InputRequiredResult round, a capability the client
 * did not declare, and isolation of two clients with different capabilities.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ModernClient, ModernHttpClientTransport } from "../../testing/deps.ts";
import { EVERYTHING, type HttpChild, type ServedProxy, serveProxy, startEverything } from "../../testing/e2e.ts";
import { spawn } from "../runtime/process.ts";
import type { Envelope } from "../protocol/envelope.ts";
import { type Sdk1Server, startSdk1Server } from "../../testing/sdk1_server.ts";

// deno-lint-ignore no-explicit-any
type AnyClient = any;

/** A 2.x client pinned to 2026-07-28, declaring `capabilities`, connected to `endpoint`. */
async function modernClient(endpoint: URL, name: string, capabilities: Record<string, unknown>): Promise<AnyClient> {
  const client = new ModernClient(
    { name, version: "1" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } }, capabilities } as never,
  );
  await client.connect(new ModernHttpClientTransport(endpoint));
  return client;
}

describe("2.x client (2026-07-28) → mcpwire reverse → server-everything (2025, Streamable HTTP)", () => {
  let everything: HttpChild;
  let served: ServedProxy;
  const seen: Envelope[] = [];
  let tape = "";
  before(async () => {
    everything = await startEverything("streamableHttp");
    served = await serveProxy({
      upstream: new URL("/mcp", everything.url).href,
      onMessage: (e) => seen.push(e),
      record: (text) => {
        tape += text;
        return Promise.resolve();
      },
    });
  });
  after(async () => {
    await served?.close();
    await everything?.close();
  });

  test("lists tools, calls one with progress, reads a resource; both hops observed", { timeout: 30_000 }, async () => {
    const client = await modernClient(served.endpoint, "bridge-basic", {});
    try {
      const tools = (await client.listTools()).tools.map((t: { name: string }) => t.name);
      assert.ok(tools.includes("echo") && tools.includes("trigger-long-running-operation"), `tools: ${tools}`);
      const echoed = await client.callTool({ name: "echo", arguments: { message: "across eras" } });
      assert.match(JSON.stringify(echoed.content), /across eras/);
      const progress: number[] = [];
      await client.callTool( // the 2.x signature: (params, options)
        { name: "trigger-long-running-operation", arguments: { duration: 1, steps: 3 } },
        { onprogress: (p: { progress: number }) => progress.push(p.progress) },
      );
      assert.deepEqual(progress, [1, 2, 3]);
      const resources = (await client.listResources()).resources as { uri: string }[];
      assert.ok(resources.length > 0);
      const read = await client.readResource({ uri: resources[0]!.uri });
      assert.equal(read.contents[0].uri, resources[0]!.uri);
    } finally {
      await client.close();
    }
    const methods = (revision: string) =>
      seen.filter((e) => e.direction === "client-to-server" && e.revision === revision)
        .map((e) => "method" in e.message ? e.message.method : "response");
    assert.ok(methods("2026-07-28").includes("server/discover"), "the modern hop is observed");
    assert.ok(!methods("2026-07-28").includes("initialize"));
    const upstreamHop = seen.filter((e) => e.direction === "client-to-server" && e.revision !== "2026-07-28")
      .map((e) => "method" in e.message ? e.message.method : "response");
    assert.ok(upstreamHop.includes("initialize") && upstreamHop.includes("tools/call"), `upstream: ${upstreamHop}`);
    await served.proxy.recorder!.flush();
    const revisions = new Set(
      tape.trim().split("\n").map((l) => JSON.parse(l)).filter((l) => l.type === "message").map((l) => l.revision),
    );
    assert.ok(
      revisions.has("2026-07-28") && revisions.has("2025-11-25"),
      `the tape shows both eras: ${[...revisions]}`,
    );
  });

  test("a sampling request of the upstream completes through an InputRequiredResult round", {
    timeout: 30_000,
  }, async () => {
    const client = await modernClient(served.endpoint, "bridge-sampling", { sampling: {} });
    const asked: unknown[] = [];
    client.setRequestHandler("sampling/createMessage", (request: { params: unknown }) => {
      asked.push(request.params);
      return { role: "assistant", model: "test-model", content: { type: "text", text: "sampled answer" } };
    });
    try {
      const result = await client.callTool({
        name: "trigger-sampling-request",
        arguments: { prompt: "say hi", maxTokens: 20 },
      });
      assert.equal(asked.length, 1, "the client was asked once");
      assert.match(JSON.stringify(result.content), /sampled answer/);
    } finally {
      await client.close();
    }
    const inputRequired = seen.find((e) =>
      e.direction === "server-to-client" && e.revision === "2026-07-28" &&
      JSON.stringify(e.message).includes('"input_required"')
    );
    assert.ok(inputRequired, "an input_required result went to the client");
  });

  test("two clients with different capabilities never share an upstream session", { timeout: 30_000 }, async () => {
    const a = await modernClient(served.endpoint, "bridge-a", { roots: {} });
    const b = await modernClient(served.endpoint, "bridge-b", { elicitation: {} });
    try {
      await a.callTool({ name: "echo", arguments: { message: "a" } });
      await b.callTool({ name: "echo", arguments: { message: "b" } });
    } finally {
      await a.close();
      await b.close();
    }
    const inits = seen.filter((e) =>
      e.direction === "client-to-server" && "method" in e.message && e.message.method === "initialize"
    ).map((e) => (e.message as unknown as { params: { clientInfo: { name: string } } }).params.clientInfo.name);
    assert.ok(inits.includes("bridge-a") && inits.includes("bridge-b"), `initialize upstream: ${inits}`);
    assert.equal(new Set(inits).size, inits.length, "one upstream session per distinct client");
  });
});

describe("subscriptions/listen bridged to server-everything's GET stream, two clients isolated", () => {
  let everything: HttpChild;
  let served: ServedProxy;
  before(async () => {
    everything = await startEverything("streamableHttp");
    served = await serveProxy({ upstream: new URL("/mcp", everything.url).href });
  });
  after(async () => {
    await served?.close();
    await everything?.close();
  });

  test("a resource update reaches the subscribed client only, never the other one", { timeout: 30_000 }, async () => {
    const a = await modernClient(served.endpoint, "listen-a", { roots: {} });
    const b = await modernClient(served.endpoint, "listen-b", { elicitation: {} });
    const updates = { a: [] as string[], b: [] as string[] };
    a.setNotificationHandler("notifications/resources/updated", (n: { params: { uri: string } }) => {
      updates.a.push(n.params.uri);
    });
    b.setNotificationHandler("notifications/resources/updated", (n: { params: { uri: string } }) => {
      updates.b.push(n.params.uri);
    });
    const uri = ((await a.listResources()).resources as { uri: string }[])[0]!.uri;
    const subA = await a.listen({ resourceSubscriptions: [uri] });
    const subB = await b.listen({ resourceSubscriptions: [uri] });
    try {
      // server-everything sends updates only to the session that turned them on: A's.
      await a.callTool({ name: "toggle-subscriber-updates", arguments: {} });
      for (let i = 0; i < 100 && updates.a.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(updates.a.includes(uri), "the update reached the subscribed client");
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(updates.b, [], "the other client's session saw nothing of it");
      await a.callTool({ name: "toggle-subscriber-updates", arguments: {} });
    } finally {
      await subA.close?.();
      await subB.close?.();
      await a.close();
      await b.close();
    }
  });
});

describe("2.x client (2026-07-28) → mcpwire reverse → server-everything (stdio child)", () => {
  let served: ServedProxy;
  before(async () => {
    served = await serveProxy({ upstream: ["node", EVERYTHING, "stdio"], spawn });
  });
  after(async () => await served?.close());

  test("tools with progress, a resource, and a sampling round over stdio", { timeout: 40_000 }, async () => {
    const client = await modernClient(served.endpoint, "bridge-stdio", { sampling: {} });
    client.setRequestHandler("sampling/createMessage", () => ({
      role: "assistant",
      model: "m",
      content: { type: "text", text: "stdio sample" },
    }));
    try {
      const tools = (await client.listTools()).tools.map((t: { name: string }) => t.name);
      assert.ok(tools.includes("trigger-sampling-request"), `tools: ${tools}`);
      const progress: number[] = [];
      await client.callTool(
        { name: "trigger-long-running-operation", arguments: { duration: 1, steps: 2 } },
        { onprogress: (p: { progress: number }) => progress.push(p.progress) },
      );
      assert.deepEqual(progress, [1, 2]);
      const uri = ((await client.listResources()).resources as { uri: string }[])[0]!.uri;
      assert.equal((await client.readResource({ uri })).contents[0].uri, uri);
      const sampled = await client.callTool({
        name: "trigger-sampling-request",
        arguments: { prompt: "hi", maxTokens: 5 },
      });
      assert.match(JSON.stringify(sampled.content), /stdio sample/);
    } finally {
      await client.close();
    }
  });
});

describe("2.x client (2026-07-28) → mcpwire reverse → a 1.x SDK server (2025)", () => {
  let upstream: Sdk1Server;
  let served: ServedProxy;
  before(async () => {
    upstream = await startSdk1Server();
    served = await serveProxy({ upstream: upstream.url.href });
  });
  after(async () => {
    await served?.close();
    await upstream?.close();
  });

  test("sampling the client did not declare is a clear error upstream, not a hang", { timeout: 30_000 }, async () => {
    const client = await modernClient(served.endpoint, "sdk1-no-sampling", {});
    try {
      await assert.rejects(
        client.callTool({ name: "ask-sampling", arguments: { prompt: "x" } }),
        (error: Error) => /sampling/.test(error.message),
      );
    } finally {
      await client.close();
    }
  });

  test("sampling completes through an InputRequiredResult round", { timeout: 30_000 }, async () => {
    const client = await modernClient(served.endpoint, "sdk1-sampling", { sampling: {} });
    client.setRequestHandler("sampling/createMessage", () => ({
      role: "assistant",
      model: "m",
      content: { type: "text", text: "from the client" },
    }));
    try {
      const result = await client.callTool({ name: "ask-sampling", arguments: { prompt: "hi" } });
      assert.deepEqual(result.content, [{ type: "text", text: "sampled: from the client" }]);
    } finally {
      await client.close();
    }
  });

  test("a cancelled slow call reaches the upstream as notifications/cancelled", { timeout: 30_000 }, async () => {
    const client = await modernClient(served.endpoint, "sdk1-cancel", {});
    const aborter = new AbortController();
    const progress: number[] = [];
    try {
      const call = client.callTool({ name: "slow", arguments: { steps: 50, stepMs: 100 } }, {
        signal: aborter.signal,
        onprogress: (p: { progress: number }) => {
          progress.push(p.progress);
          if (progress.length === 2) aborter.abort();
        },
      });
      await assert.rejects(call);
      let cancelled = 0;
      for (let i = 0; i < 50 && cancelled === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        cancelled = (await upstream.log()).cancelled;
      }
      assert.equal(cancelled, 1, "the upstream handler saw the cancellation");
      assert.deepEqual(progress, [1, 2]);
    } finally {
      await client.close();
    }
  });

  test("a lost upstream session (404) is re-created transparently", { timeout: 30_000 }, async () => {
    const client = await modernClient(served.endpoint, "sdk1-lost", {});
    try {
      const first = await client.callTool({ name: "echo", arguments: { message: "before" } });
      assert.deepEqual(first.content, [{ type: "text", text: "Echo: before" }]);
      await upstream.forget();
      const second = await client.callTool({ name: "echo", arguments: { message: "after" } });
      assert.deepEqual(second.content, [{ type: "text", text: "Echo: after" }]);
    } finally {
      await client.close();
    }
    const { initialized } = await upstream.log();
    assert.equal(initialized.filter((n) => n === "sdk1-lost").length, 2, "re-initialized once");
  });
});
