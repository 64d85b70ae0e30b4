/**
 * End to end: the official MCP SDK stdio client runs `mcpwire forward` (cli.ts, on the runtime running the
 * tests) against server-everything over Streamable HTTP, over legacy HTTP+SSE and over stdio; plus an
 * upstream restart mid-session and bad input lines.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import nodeProcess from "node:process";
import { Client, CreateMessageRequestSchema, StdioClientTransport } from "../../testing/deps.ts";
import {
  EVERYTHING,
  freePort,
  type HttpChild,
  longRunningCall,
  ROOT,
  RUNTIME,
  startEverything,
} from "../../testing/e2e.ts";

const CLI = `${ROOT}cli.ts`;

/** The command line that runs `mcpwire forward <args>` on this runtime. */
function forwardArgs(args: string[]): string[] {
  return RUNTIME === "deno" ? ["run", "-A", CLI, "forward", ...args] : [CLI, "forward", ...args];
}

async function withForward(
  args: string[],
  body: (client: InstanceType<typeof Client>) => Promise<void>,
  setup?: (client: InstanceType<typeof Client>) => void,
): Promise<void> {
  const transport = new StdioClientTransport({
    command: nodeProcess.execPath,
    args: forwardArgs(["--reconnect-min", "100ms", "--reconnect-max", "1s", "--reconnect-attempts", "12", ...args]),
    cwd: ROOT,
    stderr: "ignore",
  });
  const client = new Client({ name: "forward-e2e", version: "1" }, { capabilities: { sampling: {} } });
  setup?.(client);
  await client.connect(transport);
  try {
    await body(client);
  } finally {
    await client.close();
  }
}

async function echo(client: InstanceType<typeof Client>, message: string): Promise<unknown> {
  return (await client.callTool({ name: "echo", arguments: { message } })).content;
}

describe("mcpwire forward with the SDK stdio client and server-everything", () => {
  let http: HttpChild;
  let sse: HttpChild;
  before(async () => {
    [http, sse] = await Promise.all([startEverything("streamableHttp"), startEverything("sse")]);
  });
  after(async () => {
    await Promise.all([http?.close(), sse?.close()]);
  });

  test("over Streamable HTTP: tools, echo, progress", { timeout: 30_000 }, async () => {
    await withForward([new URL("/mcp", http.url).href], async (client) => {
      const tools = (await client.listTools()).tools.map((t: { name: string }) => t.name);
      assert.ok(tools.includes("echo"), `${tools}`);
      assert.deepEqual(await echo(client, "héllo ☃"), [{ type: "text", text: "Echo: héllo ☃" }]);
      const { content, progress } = await longRunningCall(client);
      assert.match(JSON.stringify(content), /Long running operation completed/);
      // The SDK client runs notification handlers a microtask late but settles responses at once, so when the
      // last progress line and the result arrive in one stdout chunk it drops that progress itself.
      assert.ok(progress.length >= 2 && progress.every((p, i) => p === i + 1), `progress ${progress}`);
    });
  });

  test("a server-to-client request (sampling) and its answer travel through", { timeout: 30_000 }, async () => {
    let asked = "";
    await withForward([new URL("/mcp", http.url).href], async (client) => {
      const result = await client.callTool({
        name: "trigger-sampling-request",
        arguments: { prompt: "ping?", maxTokens: 5 },
      });
      assert.match(JSON.stringify(result.content), /sampled through mcpwire/);
      assert.match(asked, /ping\?/);
    }, (client) => {
      client.setRequestHandler(CreateMessageRequestSchema, (request: { params: unknown }) => {
        asked = JSON.stringify(request.params);
        return { model: "test", role: "assistant", content: { type: "text", text: "sampled through mcpwire" } };
      });
    });
  });

  test("over legacy HTTP+SSE (auto fallback)", { timeout: 30_000 }, async () => {
    await withForward([new URL("/sse", sse.url).href], async (client) => {
      assert.deepEqual(await echo(client, "legacy"), [{ type: "text", text: "Echo: legacy" }]);
      assert.deepEqual(await client.ping(), {});
    });
  });

  test("over stdio (a child command)", { timeout: 30_000 }, async () => {
    await withForward(["--", "node", EVERYTHING, "stdio"], async (client) => {
      assert.deepEqual(await echo(client, "stdio"), [{ type: "text", text: "Echo: stdio" }]);
    });
  });

  test("the upstream restarted mid-session: the next call succeeds", { timeout: 45_000 }, async () => {
    const port = await freePort();
    let own = await startEverything("streamableHttp", port);
    try {
      await withForward([`http://127.0.0.1:${port}/mcp`], async (client) => {
        assert.deepEqual(await echo(client, "before"), [{ type: "text", text: "Echo: before" }]);
        await own.close();
        own = await startEverything("streamableHttp", port);
        assert.deepEqual(await echo(client, "after"), [{ type: "text", text: "Echo: after" }]);
      });
    } finally {
      await own.close();
    }
  });
});

describe("mcpwire forward input handling", () => {
  test("bad lines get -32700 / -32600 on stdout, an unreachable upstream a -32003 error; never a crash", {
    timeout: 30_000,
  }, async () => {
    const child = spawn(
      nodeProcess.execPath,
      forwardArgs(["--connect-timeout", "2s", "--reconnect-attempts", "1", "http://127.0.0.1:9/mcp"]),
      {
        cwd: ROOT,
        stdio: ["pipe", "pipe", "ignore"],
      },
    );
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.stdin.write('{not json\n{"id":1,"method":"ping"}\n[]\n{"jsonrpc":"2.0","id":7,"method":"ping"}\n');
    const deadline = Date.now() + 20_000;
    while (stdout.split("\n").filter(Boolean).length < 4 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.stdin.end();
    const code = await exited;
    const lines = stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    assert.equal(lines.length, 4, stdout);
    assert.deepEqual(lines.slice(0, 3).map((l) => [l.id, l.error.code]), [[null, -32700], [null, -32600], [
      null,
      -32600,
    ]]);
    assert.equal(lines[3].id, 7);
    assert.equal(lines[3].error.code, -32003);
    assert.equal(code, 0);
  });
});
