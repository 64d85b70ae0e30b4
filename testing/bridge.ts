/**
 * Checks of a 2025-era client session bridged by mcpwire to the 2026-07-28 server (`testing/modern_server.mjs`),
 * shared by the end-to-end tests of every 2025-era face (Streamable HTTP, legacy HTTP+SSE, stdio through
 * `mcpwire forward`): each drives the real 1.x SDK client and asserts on what it got and on what the upstream
 * saw.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  Client,
  ElicitRequestSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from "./deps.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ModernServer, startModernServer } from "./modern.ts";
import { type CliChild, startCli } from "./cli_child.ts";
import type { SdkClient } from "./e2e.ts";

/** A 1.x client declaring elicitation, which accepts every `confirm` elicitation, with what it was sent. */
export interface BridgedClient {
  client: SdkClient;
  /** The messages of the elicitations it answered. */
  asked: string[];
  /** The methods of the notifications it got on its standalone stream, in order. */
  notified: string[];
}

/** A 1.x SDK client (not yet connected) that answers elicitations and records notifications. */
export function bridgedClient(name: string): BridgedClient {
  const client = new Client({ name, version: "1" }, { capabilities: { elicitation: {} } }) as SdkClient;
  const asked: string[] = [];
  const notified: string[] = [];
  client.setRequestHandler(ElicitRequestSchema, (request: { params: { message: string } }) => {
    asked.push(request.params.message);
    return { action: "accept", content: { confirm: true } };
  });
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void notified.push("tools/list_changed"));
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, () => void notified.push("resources/updated"));
  return { client, asked, notified };
}

/** Waits (bounded) until `ok()` holds. */
export async function until(ok: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Lists tools, calls `echo`, `region` (its `Mcp-Param-Region` must reach the upstream) and `slow` with
 * progress, and reads the resource; asserts on every answer and on the upstream's request log.
 */
export async function checkCalls(bridged: BridgedClient, server: ModernServer): Promise<void> {
  const { client } = bridged;
  const before = (await server.log()).requests.length;
  const tools = (await client.listTools()).tools.map((t: { name: string }) => t.name);
  assert.deepEqual([...tools].sort(), ["confirm", "echo", "region", "slow"]);
  const echo = await client.callTool({ name: "echo", arguments: { message: "héllo ☃" } });
  assert.deepEqual(echo.content, [{ type: "text", text: "Echo: héllo ☃" }]);
  const region = await client.callTool({ name: "region", arguments: { region: "eu-west" } });
  assert.deepEqual(region.content, [{ type: "text", text: "region eu-west" }]);
  const progress: number[] = [];
  const slow = await client.callTool({ name: "slow", arguments: { steps: 3, stepMs: 30 } }, undefined, {
    onprogress: (p: { progress: number }) => void progress.push(p.progress),
  });
  assert.deepEqual(slow.content, [{ type: "text", text: "done after 3 steps" }]);
  // In order, each once. The 1.x client handles a notification a tick after a response that follows it at once,
  // so over the legacy transport (one stream for everything) the last progress may lose the race to the result.
  assert.deepEqual(progress, [1, 2, 3].slice(0, progress.length), "progress in order, none twice");
  assert.ok(progress.length >= 2, `progress reached the client: ${progress}`);
  const read = await client.readResource({ uri: "mcpwire://greeting" });
  assert.equal(read.contents[0].text, "hello from the modern server");
  const seen = (await server.log()).requests.slice(before).filter((r) => r.method === "POST");
  assert.ok(!seen.some((r) => r.body?.method === "initialize"), "no initialize reached the modern upstream");
  for (const r of seen) {
    assert.equal(r.headers["mcp-protocol-version"], "2026-07-28", `${r.body?.method} carried the modern version`);
    assert.equal(r.headers["mcp-session-id"], undefined, "no session id upstream");
    const meta = r.body?.params?._meta as Record<string, unknown> | undefined;
    assert.equal(meta?.["io.modelcontextprotocol/protocolVersion"], "2026-07-28");
    assert.deepEqual(meta?.["io.modelcontextprotocol/clientCapabilities"], { elicitation: {} });
  }
  const regionCall = seen.find((r) => (r.body?.params as { name?: string })?.name === "region")!;
  assert.equal(regionCall.headers["mcp-name"], "region");
  assert.equal(regionCall.headers["mcp-param-region"], "eu-west", "x-mcp-header mirrored as Mcp-Param-Region");
}

/** The `confirm` tool's InputRequiredResult becomes an elicitation of the client; its answer completes the call. */
export async function checkElicitation(bridged: BridgedClient, server: ModernServer): Promise<void> {
  const before = (await server.log()).requests.length;
  const result = await bridged.client.callTool({ name: "confirm", arguments: { target: "staging" } });
  assert.deepEqual(result.content, [{ type: "text", text: "deployed to staging" }]);
  assert.deepEqual(bridged.asked, ["Deploy to staging?"], "the client was asked once, as elicitation/create");
  const calls = (await server.log()).requests.slice(before).filter((r) => r.body?.method === "tools/call");
  assert.equal(calls.length, 2, "the first round and the retried call reached the upstream");
  const retried = calls[1]!.body!.params as { inputResponses?: Record<string, { action?: string }> };
  assert.equal(retried.inputResponses?.confirm?.action, "accept");
}

/** A tools list change and an update of a subscribed resource reach the client's standalone stream. */
export async function checkNotifications(bridged: BridgedClient, server: ModernServer): Promise<void> {
  await bridged.client.subscribeResource({ uri: "mcpwire://greeting" });
  // The listen stream is re-opened with the subscription: publish until the first change gets through.
  await until(async () => {
    await server.resourceUpdated();
    return bridged.notified.includes("resources/updated");
  }, "a resources/updated notification");
  const tools = bridged.notified.length;
  await server.toolsChanged();
  await until(() => bridged.notified.slice(tools).includes("tools/list_changed"), "a tools/list_changed notification");
  const listens = (await server.log()).requests.filter((r) => r.body?.method === "subscriptions/listen");
  const last = listens.at(-1)!.body!.params as { notifications?: Record<string, unknown> };
  assert.deepEqual(last.notifications?.resourceSubscriptions, ["mcpwire://greeting"]);
  assert.equal(last.notifications?.toolsListChanged, true);
}

/**
 * A slow call the client cancels: the modern request is closed upstream and never finishes. With
 * `upstreamSees: false` only the client side is asserted (the call ends cancelled, the session goes on): the
 * known gap of cancellations through `mcpwire forward` (docs/bridging.md), which the upstream does not always see.
 */
export async function checkCancellation(
  bridged: BridgedClient,
  server: ModernServer,
  upstreamSees = true,
): Promise<void> {
  const before = await server.log();
  const aborter = new AbortController();
  const call = bridged.client.callTool({ name: "slow", arguments: { steps: 50, stepMs: 100 } }, undefined, {
    signal: aborter.signal,
    onprogress: () => aborter.abort("enough"),
  });
  await assert.rejects(call);
  if (!upstreamSees) {
    const echoed = await bridged.client.callTool({ name: "echo", arguments: { message: "after cancel" } });
    assert.match(JSON.stringify(echoed.content), /after cancel/);
    return;
  }
  await until(async () => (await server.log()).closedEarly > before.closedEarly, "the upstream request closed");
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal((await server.log()).finished, before.finished, "the cancelled call did not run to its end");
}

/**
 * Every check above, in order: calls, the elicitation round, notifications, cancellation (`upstreamSees`: see
 * {@linkcode checkCancellation}).
 */
export async function checkSession(bridged: BridgedClient, server: ModernServer, upstreamSees = true): Promise<void> {
  assert.equal(bridged.client.getServerVersion()?.name, "mcpwire-modern-fixture");
  await checkCalls(bridged, server);
  await checkElicitation(bridged, server);
  await checkNotifications(bridged, server);
  await checkCancellation(bridged, server, upstreamSees);
}

/** The modern server with `mcpwire reverse --record FILE` in front of it. */
export interface BridgedReverse {
  server: ModernServer;
  reverse: CliChild;
  /** The tape file. */
  tape: string;
  /** Stops both and removes the tape. */
  close(): Promise<void>;
}

/** Starts the modern server and `mcpwire reverse` (cli.ts, recording to a temporary tape) in front of it. */
export async function startBridgedReverse(): Promise<BridgedReverse> {
  const server = await startModernServer();
  const dir = await mkdtemp(join(tmpdir(), "mcpwire-bridge-"));
  const tape = join(dir, "bridge.jsonl");
  try {
    const reverse = await startCli(
      ["reverse", "--bind", "127.0.0.1:0", "--upstream", server.endpoint.href, "--record", tape],
      /listening on (\S+)/,
    );
    return {
      server,
      reverse,
      tape,
      async close() {
        await reverse.stop();
        await server.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
