/**
 * The one-file binary (issue 17 item 5), run as a user runs it on a machine with neither Deno nor Bun on
 * the PATH: `--version`, then `reverse` in front of server-everything (over Streamable HTTP, and as a
 * stdio child) with the real 1.x SDK client listing tools and calling one. `deno compile` cannot fetch its
 * runtime offline (README "One-file binaries"), so only the Bun binary is built here.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "../testing/deps.ts";
import { EVERYTHING, freePort, type HttpChild, ROOT, startEverything } from "../testing/e2e.ts";

/** A PATH with node (for the upstream) and nothing of Deno's or Bun's. */
const BARE_PATH = "/usr/bin:/bin";

/** Starts the binary's `reverse` and waits for its listening line (bounded). */
async function startBinary(binary: string, args: string[]): Promise<{ url: URL; stop: () => Promise<void> }> {
  const child = spawn(binary, args, { env: { PATH: BARE_PATH, HOME: tmpdir() }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += String(d)));
  child.stderr.on("data", (d) => (output += String(d)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 20_000;
  while (!/listening on (http:\/\/\S+\/mcp)/.test(output)) {
    assert.ok(Date.now() < deadline && child.exitCode === null, `the binary did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = new URL(/listening on (http:\/\/\S+\/mcp)/.exec(output)![1]!);
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Lists tools and calls `echo` through the proxy with the 1.x SDK client. */
async function listAndEcho(url: URL): Promise<void> {
  const client = new Client({ name: "binary-e2e", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(url));
  try {
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === "echo"), "server-everything's tools came through");
    const result = await client.callTool({ name: "echo", arguments: { message: "from the binary" } });
    assert.match((result.content as { text: string }[])[0]!.text, /from the binary/);
  } finally {
    await client.close();
  }
}

describe("the one-file Bun binary", () => {
  const dir = mkdtempSync(join(tmpdir(), "mcpwire-bin-"));
  const binary = join(dir, "mcpwire-bun");
  let upstream: HttpChild;

  before(async () => {
    const build = spawnSync(join(ROOT, "node_modules/.bin/bun"), ["scripts/build_binaries.ts", dir, "--bun-only"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 180_000,
    });
    assert.equal(build.status, 0, `the build failed: ${build.stderr}`);
    upstream = await startEverything("streamableHttp");
  });
  after(async () => {
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("is one executable file that prints its version without Deno or Bun on the PATH", () => {
    assert.ok(statSync(binary).size > 1_000_000, "a self-contained executable");
    const run = spawnSync(binary, ["--version"], { env: { PATH: BARE_PATH }, encoding: "utf8", timeout: 20_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^mcpwire \d+\.\d+\.\d+/);
  });

  test("runs reverse in front of server-everything over Streamable HTTP", { timeout: 60_000 }, async () => {
    const proxy = await startBinary(binary, [
      "reverse",
      "--bind",
      `127.0.0.1:${await freePort()}`,
      "--upstream",
      new URL("/mcp", upstream.url).href,
    ]);
    try {
      await listAndEcho(proxy.url);
    } finally {
      await proxy.stop();
    }
  });

  test("runs reverse in front of server-everything as a stdio child", { timeout: 60_000 }, async () => {
    const proxy = await startBinary(binary, [
      "reverse",
      "--bind",
      `127.0.0.1:${await freePort()}`,
      "--",
      "node",
      EVERYTHING,
      "stdio",
    ]);
    try {
      await listAndEcho(proxy.url);
    } finally {
      await proxy.stop();
    }
  });
});
