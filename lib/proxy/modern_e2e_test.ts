/**
 * End to end, 2026-07-28 on both hops: the real 2.x SDK client (auto and pinned negotiation) through
 * `createReverseProxy` to the real 2.x SDK server (`testing/modern_server.mjs`), on the runtime running the
 * test. The tape and the upstream's own request log show no `initialize` and a `server/discover`.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client, ModernClient, ModernHttpClientTransport, StreamableHTTPClientTransport } from "../../testing/deps.ts";
import { type HttpChild, type ServedProxy, serveProxy, startEverything } from "../../testing/e2e.ts";
import { type ModernServer, startModernServer } from "../../testing/modern.ts";
import type { Envelope } from "../protocol/envelope.ts";

type Mode = "auto" | { pin: string };

/** Lists tools and calls `echo` with a 2.x client in `mode`; returns the echoed text. */
async function listAndCall(endpoint: URL, mode: Mode): Promise<{ tools: string[]; text: string }> {
  const client = new ModernClient({ name: "e2e-modern", version: "1" }, { versionNegotiation: { mode } } as never);
  await client.connect(new ModernHttpClientTransport(endpoint));
  try {
    const tools = (await client.listTools()).tools.map((t: { name: string }) => t.name);
    const called = await client.callTool({ name: "echo", arguments: { message: "héllo ☃" } });
    return { tools, text: (called.content as { text: string }[])[0]!.text };
  } finally {
    await client.close();
  }
}

const methodsOf = (lines: { type: string; direction?: string; message?: { method?: string } }[]) =>
  lines.filter((l) => l.type === "message" && l.direction === "client-to-server").map((l) => l.message?.method);

describe("2.x client → mcpwire reverse → 2.x server, 2026-07-28 on both hops", () => {
  let upstream: ModernServer;
  let served: ServedProxy;
  let tape = "";
  const seen: Envelope[] = [];
  before(async () => {
    upstream = await startModernServer();
    served = await serveProxy({
      upstream: upstream.endpoint.href,
      record: (text) => {
        tape += text;
        return Promise.resolve();
      },
      onMessage: (e) => seen.push(e),
    });
  });
  after(async () => {
    await served?.close();
    await upstream?.close();
  });

  for (const mode of ["auto", { pin: "2026-07-28" }] as Mode[]) {
    const name = typeof mode === "string" ? mode : `pinned ${mode.pin}`;
    test(`negotiation ${name}: tools listed and called, no initialize on either hop`, { timeout: 20_000 }, async () => {
      const before = (await upstream.log()).requests.length;
      tape = "";
      seen.length = 0;
      const { tools, text } = await listAndCall(served.endpoint, mode);
      assert.ok(tools.includes("echo"), `echo in ${tools}`);
      assert.equal(text, "Echo: héllo ☃");

      await served.proxy.recorder!.flush();
      const lines = tape.trim().split("\n").map((l) => JSON.parse(l));
      const downstream = methodsOf(lines);
      assert.ok(downstream.includes("server/discover"), `tape: ${downstream}`);
      assert.ok(!downstream.includes("initialize"), `tape: ${downstream}`);
      assert.deepEqual(downstream.filter((m) => m !== "server/discover"), ["tools/list", "tools/call"]);
      // Observed without a session, in the request's revision (the recorder, metrics and rules see the same).
      assert.ok(seen.length >= 6 && seen.every((e) => e.sessionId === undefined && e.revision === "2026-07-28"));

      const hop = (await upstream.log()).requests.slice(before).map((r) => r.body?.method);
      assert.ok(hop.includes("server/discover") && !hop.includes("initialize"), `upstream saw ${hop}`);
      assert.ok((await upstream.log()).requests.slice(before).every((r) => r.method === "POST"));
    });
  }

  test("the 1.x SDK client (2025, initialize) still gets a session through the same endpoint (T-BC-04)", {
    timeout: 20_000,
  }, async () => {
    const client = new Client({ name: "e2e-legacy", version: "1" });
    const transport = new StreamableHTTPClientTransport(served.endpoint);
    await client.connect(transport);
    assert.match(String(transport.sessionId), /^[\x21-\x7e]{22,}$/);
    const echoed = await client.callTool({ name: "echo", arguments: { message: "old" } });
    assert.deepEqual(echoed.content, [{ type: "text", text: "Echo: old" }]);
    await transport.terminateSession().catch(() => {});
    await client.close();
  });
});

describe("2.x client (auto) → mcpwire reverse → server-everything (2025 only): bridged", () => {
  let everything: HttpChild;
  let served: ServedProxy;
  const seen: Envelope[] = [];
  before(async () => {
    everything = await startEverything("streamableHttp");
    served = await serveProxy({ upstream: new URL("/mcp", everything.url).href, onMessage: (e) => seen.push(e) });
  });
  after(async () => {
    await served?.close();
    await everything?.close();
  });

  test(
    "the client stays on 2026-07-28, twice: the era is cached, discover answered from initialize (issue 13)",
    { timeout: 30_000 },
    async () => {
      for (let round = 0; round < 2; round++) {
        const { tools, text } = await listAndCall(served.endpoint, "auto");
        assert.ok(tools.includes("echo"));
        assert.equal(text, "Echo: héllo ☃");
      }
      const probes = seen.filter((e) =>
        e.revision === "2026-07-28" && e.direction === "client-to-server" && "method" in e.message &&
        e.message.method === "server/discover"
      );
      // Each client's discover is observed on the modern hop; only the first probe also went upstream.
      assert.ok(probes.length >= 2);
      const inits = seen.filter((e) => "method" in e.message && e.message.method === "initialize");
      assert.equal(inits.length, 1, "both clients declare the same info and capabilities: one pooled session");
      assert.equal(inits[0]!.sessionId, undefined, "no downstream session: the upstream session is the bridge's");
    },
  );
});
