import { test } from "node:test";
import { readFile } from "node:fs/promises";
import { StreamableHTTPClientTransport } from "../../testing/deps.ts";
import { startCli } from "../../testing/cli_child.ts";
import { bridgedClient } from "../../testing/bridge.ts";
test("t", { timeout: 30000 }, async () => {
  const reverse = await startCli(["reverse", "--bind", "127.0.0.1:0", "--upstream", "http://127.0.0.1:3911/mcp", "--record", "/tmp/t.jsonl"], /listening on (\S+)/);
  const b = bridgedClient("x");
  await b.client.connect(new StreamableHTTPClientTransport(reverse.endpoint));
  await b.client.callTool({ name: "echo", arguments: { message: "taped" } });
  await b.client.close();
  await reverse.stop();
  console.log((await readFile("/tmp/t.jsonl", "utf8")).split("\n").map((l) => l.slice(0, 230)).join("\n"));
});
