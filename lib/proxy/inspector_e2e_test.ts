/**
 * The MCP Inspector's CLI mode (npm `@modelcontextprotocol/inspector`, run with node as `npx` runs it)
 * through `mcpwire reverse` (cli.ts, as the README runs it) in front of server-everything: it lists the
 * tools, calls `echo` and reads a resource, each answered by the upstream through the proxy.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { type HttpChild, ROOT, startEverything } from "../../testing/e2e.ts";
import { type CliChild, startCli } from "../../testing/cli_child.ts";

const INSPECTOR = `${ROOT}node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js`;
const T = { timeout: 60_000 };

/** Runs one Inspector CLI method against `endpoint`; returns its parsed JSON output. */
function inspect(endpoint: URL, args: string[]): Record<string, unknown> {
  const r = spawnSync("node", [INSPECTOR, "--cli", endpoint.href, "--transport", "http", ...args], {
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(r.status, 0, `inspector ${args.join(" ")} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe("the MCP Inspector CLI through mcpwire reverse", T, () => {
  let everything: HttpChild;
  let mcpwire: CliChild;
  let endpoint: URL;

  before(async () => {
    everything = await startEverything("streamableHttp");
  });

  // Starting mcpwire may take longer than Bun allows a hook (5 s), so it is a test of its own.
  test("mcpwire reverse starts", T, async () => {
    mcpwire = await startCli(
      ["reverse", "--bind", "127.0.0.1:0", "--upstream", new URL("/mcp", everything.url).href],
      [/listening on (\S+)/],
    );
    endpoint = mcpwire.urls[0]!;
  });

  after(async () => {
    await mcpwire?.stop();
    await everything?.close();
  });

  test("lists the tools", T, () => {
    const { tools } = inspect(endpoint, ["--method", "tools/list"]) as { tools: { name: string }[] };
    assert.ok(tools.some((t) => t.name === "echo"), JSON.stringify(tools.map((t) => t.name)));
  });

  test("calls a tool", T, () => {
    const result = inspect(endpoint, [
      "--method",
      "tools/call",
      "--tool-name",
      "echo",
      "--tool-arg",
      "message=via mcpwire",
    ]);
    assert.deepEqual(result.content, [{ type: "text", text: "Echo: via mcpwire" }]);
  });

  test("reads a resource", T, () => {
    const { resources } = inspect(endpoint, ["--method", "resources/list"]) as { resources: { uri: string }[] };
    const uri = resources[0]!.uri;
    const read = inspect(endpoint, ["--method", "resources/read", "--uri", uri]) as {
      contents: { uri: string; text?: string }[];
    };
    assert.equal(read.contents[0]!.uri, uri);
    assert.ok((read.contents[0]!.text ?? "").length > 0);
  });
});
