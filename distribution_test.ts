/**
 * Distribution: Deno imports mod.ts and runs cli.ts straight from a URL with no configuration; Bun runs
 * cli.ts from a clone. The checkout is served over loopback HTTP with a TypeScript media type.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { serve, type Server } from "./lib/runtime/serve.ts";
import { ROOT } from "./testing/e2e.ts";

const DENO = join(ROOT, "node_modules/.bin/deno");
const BUN = join(ROOT, "node_modules/.bin/bun");

/** Runs a command to completion (bounded), returning its exit code and output. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; timeoutMs?: number; until?: RegExp; env?: Record<string, string> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...globalThis.process.env, NO_COLOR: "1", ...options.env },
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    const check = () => {
      if (options.until && options.until.test(stdout)) child.kill("SIGTERM");
    };
    child.stdout.on("data", (d) => {
      stdout += String(d);
      check();
    });
    child.stderr.on("data", (d) => (stderr += String(d)));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("importing from a URL", () => {
  let server: Server;
  let empty: string;
  before(async () => {
    server = await serve((request) => {
      const path = normalize(decodeURIComponent(new URL(request.url).pathname)).replace(/^\/+/, "");
      const file = join(ROOT, path);
      if (!file.startsWith(ROOT) || path.includes("node_modules")) return new Response("not found", { status: 404 });
      try {
        if (!statSync(file).isFile()) return new Response("not found", { status: 404 });
      } catch {
        return new Response("not found", { status: 404 });
      }
      const type = file.endsWith(".ts") ? "application/typescript; charset=utf-8" : "text/plain; charset=utf-8";
      return new Response(readFileSync(file), { headers: { "content-type": type } });
    });
    empty = mkdtempSync(join(tmpdir(), "mcpwire-url-"));
  });
  after(async () => {
    await server?.close();
    rmSync(empty, { recursive: true, force: true });
  });

  test("deno run -A <url>/cli.ts --help works in an empty directory", { timeout: 120_000 }, async () => {
    const r = await run(DENO, ["run", "-A", new URL("/cli.ts", server.url).href, "--help"], {
      cwd: empty,
      timeoutMs: 110_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Usage: mcpwire <command>/);
  });

  test("a Deno script with no configuration imports mod.ts from the URL and starts a working reverse proxy", {
    timeout: 120_000,
  }, async () => {
    const script = join(empty, "proxy.ts");
    writeFileSync(
      script,
      `import { createReverseProxy } from "${new URL("/mod.ts", server.url).href}";
import { runtime } from "${new URL("/lib/runtime/mod.ts", server.url).href}";
const upstream = [runtime.execPath(), "run", "${new URL("/lib/demo/example_server.ts", server.url).href}"];
const proxy = createReverseProxy({ upstream, spawn: runtime.spawn });
const s = await runtime.serve(proxy.fetch, { port: 0 });
const endpoint = new URL("/mcp", s.url);
const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const init = await fetch(endpoint, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "url", version: "1" } } }) });
const sid = init.headers.get("mcp-session-id");
await init.text();
const ping = await fetch(endpoint, { method: "POST", headers: { ...headers, "mcp-session-id": sid }, body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "add", arguments: { a: 2, b: 40 } } }) });
console.log("RESULT " + (await ping.text()).includes('"text":"42"'));
await proxy.close();
await s.close();
runtime.exit(0);
`,
    );
    const r = await run(DENO, ["run", "-A", script], { cwd: empty, timeoutMs: 110_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /RESULT true/);
  });
});

describe("running from a clone", () => {
  test("bun cli.ts --help works after install", { timeout: 60_000 }, async () => {
    const r = await run(BUN, ["cli.ts", "--help"], { cwd: ROOT });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Usage: mcpwire <command>/);
  });

  test(
    "every command has --help, and a bad flag gives one clear line plus usage and exit 2",
    { timeout: 60_000 },
    async () => {
      for (const command of ["reverse", "demo"]) {
        const help = await run(DENO, ["run", "-A", "cli.ts", command, "--help"], { cwd: ROOT });
        assert.equal(help.code, 0, command);
        assert.match(help.stdout, /^Usage:/, command);
        const bad = await run(DENO, ["run", "-A", "cli.ts", command, "--no-such-flag"], { cwd: ROOT });
        assert.equal(bad.code, 2, command);
        assert.match(bad.stderr, new RegExp(`^mcpwire ${command}: Unknown option --no-such-flag\\n`));
        assert.match(bad.stderr, /Usage:/);
      }
      const unknown = await run(DENO, ["run", "-A", "cli.ts", "frobnicate"], { cwd: ROOT });
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /unknown command frobnicate/);
    },
  );

  test("mcpwire demo exits 0 and shows the traffic", { timeout: 60_000 }, async () => {
    for (
      const [cmd, args] of [[DENO, ["run", "-A", "cli.ts", "demo", "--interval", "20"]], [BUN, [
        "cli.ts",
        "demo",
        "--interval",
        "20",
      ]]] as const
    ) {
      const r = await run(cmd, [...args], { cwd: ROOT });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /client → server .* initialize #1/);
      assert.match(r.stdout, /client ← server .* notifications\/progress 4\/4/);
      assert.match(r.stdout, /session complete/);
    }
  });
});

describe("shutdown", () => {
  test("Ctrl-C ends the proxy cleanly: children ended, streams closed, exit 0", { timeout: 60_000 }, async () => {
    const child = spawn(DENO, [
      "run",
      "-A",
      "cli.ts",
      "reverse",
      "--bind",
      "127.0.0.1:0",
      "--",
      DENO,
      "run",
      "lib/demo/example_server.ts",
    ], {
      cwd: ROOT,
      env: { ...globalThis.process.env, NO_COLOR: "1" },
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (!/listening on (\S+)/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const endpoint = new URL(/listening on (\S+)/.exec(stderr)![1]!);
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    const init = await fetch(endpoint, {
      method: "POST",
      headers,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
      }),
    });
    const sid = init.headers.get("mcp-session-id")!;
    await init.text();
    const get = await fetch(endpoint, { headers: { accept: "text/event-stream", "mcp-session-id": sid } });
    assert.equal(get.status, 200);
    const pid = Number(/started upstream process .* \(pid (\d+)\)/.exec(stderr)![1]);
    assert.ok(pid > 0);
    // process.kill, not child.kill: Deno's child_process reports a child killed through child.kill as
    // ended by the signal even when it handled the signal and exited 0.
    globalThis.process.kill(child.pid!, "SIGINT");
    assert.equal(await exited, 0, stderr);
    // The open GET stream ended (the body completes instead of hanging); it carried keep-alive comments and,
    // last, the shutdown's bare `retry` hint (no event) that sends the client to another replica.
    assert.match(await get.text(), /^(: keep-alive\n\n)*retry: \d+\n\n$/);
    // The upstream child is gone.
    assert.throws(() => globalThis.process.kill(pid, 0));
    assert.match(stderr, /shutting down/);
  });
});
