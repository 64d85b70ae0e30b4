/**
 * The README's library example, run as it stands (only the host and the ports substituted): a reverse
 * proxy in front of server-everything over Streamable HTTP that survives an upstream restart — the SDK
 * client's next call in the same session succeeds (T-SESS-07, transparent re-initialization).
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "../../testing/deps.ts";
import { EVERYTHING, freePort, type HttpChild, ROOT, RUNTIME, startHttpChild } from "../../testing/e2e.ts";

/** The first ```ts block of the README's "The library" section. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## The library"));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(match, "the README has a library example");
  return match[1]!;
}

describe("the README's library example", () => {
  const script = join(ROOT, `.readme_example_${RUNTIME}.ts`);
  after(() => rmSync(script, { force: true }));

  test("proxies server-everything and survives its restart", { timeout: 90_000 }, async () => {
    const upstreamPort = await freePort();
    const proxyPort = await freePort();
    const code = readmeExample()
      .replaceAll("https://<host>/mcpwire/", "./")
      .replace("127.0.0.1:3001", `127.0.0.1:${upstreamPort}`)
      .replace("port: 8080", `port: ${proxyPort}`);
    assert.notEqual(code, readmeExample(), "the substitutions applied");
    writeFileSync(script, code);
    let upstream: HttpChild = await startHttpChild([EVERYTHING, "streamableHttp"], { port: upstreamPort });
    const [command, args] = RUNTIME === "deno" ? ["deno", ["run", "-A", script]] : ["bun", [script]];
    const proxy = spawn(join(ROOT, "node_modules/.bin", command), args, {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    proxy.stdout.on("data", (d) => (output += String(d)));
    proxy.stderr.on("data", (d) => (output += String(d)));
    try {
      const deadline = Date.now() + 30_000;
      while (!output.includes("listening on")) {
        assert.ok(Date.now() < deadline && proxy.exitCode === null, `the example did not start: ${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(output, new RegExp(`listening on http://127\\.0\\.0\\.1:${proxyPort}/mcp`));
      const client = new Client({ name: "readme", version: "1" });
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${proxyPort}/mcp`)));
      const echo = async (text: string) =>
        ((await client.callTool({ name: "echo", arguments: { message: text } })).content as { text: string }[])[0]!
          .text;
      assert.match(await echo("before"), /before/);
      await upstream.close();
      upstream = await startHttpChild([EVERYTHING, "streamableHttp"], { port: upstreamPort });
      assert.match(await echo("after the restart"), /after the restart/);
      assert.match(output, /client-to-server/, "the example's onMessage logged the traffic");
      await client.close();
    } finally {
      proxy.kill("SIGTERM");
      await upstream.close();
    }
  });
});
