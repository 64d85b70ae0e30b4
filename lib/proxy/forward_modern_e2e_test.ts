/**
 * End to end: the 2.x SDK client (2026-07-28) over stdio through `mcpwire forward` (cli.ts, on the runtime
 * running the tests, started as the README says) in front of the real 2.x server: the era is 2026-07-28 on
 * both hops (no `initialize`, `server/discover` first), and the connector gives every self-contained request
 * the headers a stdio client cannot send (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`; T-PV-06/09/10).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import nodeProcess from "node:process";
import { ModernClient, ModernStdioClientTransport } from "../../testing/deps.ts";
import { ROOT, RUNTIME } from "../../testing/e2e.ts";
import { type ModernServer, startModernServer } from "../../testing/modern.ts";

const CLI = `${ROOT}cli.ts`;

describe("mcpwire forward in front of a 2026-07-28 server", () => {
  let server: ModernServer;
  before(async () => {
    server = await startModernServer();
  });
  after(async () => {
    await server?.close();
  });

  for (const [label, mode] of [["pinned 2026-07-28", { pin: "2026-07-28" }], ["auto", "auto"]] as const) {
    test(`the 2.x client (${label}) lists and calls tools in the 2026-07-28 era`, { timeout: 60_000 }, async () => {
      const before = (await server.log()).requests.length;
      const args = RUNTIME === "deno" ? ["run", "-A", CLI, "forward", server.endpoint.href] : [
        CLI,
        "forward",
        server.endpoint.href,
      ];
      const transport = new ModernStdioClientTransport({
        command: nodeProcess.execPath,
        args,
        cwd: ROOT,
        stderr: "ignore",
      });
      const client = new ModernClient({ name: "forward-modern", version: "1" }, { versionNegotiation: { mode } });
      await client.connect(transport);
      try {
        assert.equal(client.getNegotiatedProtocolVersion(), "2026-07-28");
        const tools = (await client.listTools()).tools.map((t: { name: string }) => t.name);
        assert.ok(tools.includes("echo"), `${tools}`);
        const result = await client.callTool({ name: "echo", arguments: { message: "héllo ☃" } });
        assert.match(JSON.stringify(result.content), /héllo ☃/);
      } finally {
        await client.close();
      }
      const seen = (await server.log()).requests.slice(before).filter((r) => r.method === "POST");
      const methods = seen.map((r) => r.body?.method);
      assert.equal(methods[0], "server/discover");
      assert.ok(!methods.includes("initialize"), `no initialize crossed: ${methods}`);
      const call = seen.find((r) => r.body?.method === "tools/call")!;
      assert.equal(call.headers["mcp-method"], "tools/call");
      assert.equal(call.headers["mcp-name"], "echo");
      assert.equal(call.headers["mcp-protocol-version"], "2026-07-28");
    });
  }
});
