/**
 * End to end: a real SDK client session with server-everything's long-running tool (2 s, 4 steps) is
 * recorded through `mcpwire reverse --record FILE`; `mcpwire replay FILE --bind …` (cli.ts, on the runtime
 * running the tests) gives a new SDK client the progress notifications spaced as recorded, twice as fast
 * with `--speed 2`, all at once with `--speed 0`, and stops at once on SIGTERM with a paced stream pending.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "../../testing/deps.ts";
import { type HttpChild, startEverything } from "../../testing/e2e.ts";
import { startCli } from "../../testing/cli_child.ts";
import { parseTape, type TapeMessage } from "./tape.ts";

const DURATION_S = 2;
const STEPS = 4;

/** Calls the long-running tool; returns when each progress notification and the result arrived, in ms after the call. */
async function longCall(endpoint: URL): Promise<{ progress: number[]; resultMs: number; text: string }> {
  const client = new Client({ name: "replay-pace-e2e", version: "1" });
  const transport = new StreamableHTTPClientTransport(endpoint);
  await client.connect(transport);
  try {
    const progress: number[] = [];
    const started = performance.now();
    const result = await client.callTool(
      { name: "trigger-long-running-operation", arguments: { duration: DURATION_S, steps: STEPS } },
      undefined,
      { onprogress: () => progress.push(performance.now() - started), timeout: 60_000 },
    );
    const resultMs = performance.now() - started;
    return { progress, resultMs, text: JSON.stringify(result.content) };
  } finally {
    await transport.terminateSession().catch(() => {});
    await client.close();
  }
}

/** The tolerance of the judgement: 20 % of the expected offset, at least 50 ms. */
function assertNear(actual: number, expected: number, what: string): void {
  const tolerance = Math.max(50, 0.2 * expected);
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual.toFixed(1)} ms, expected ${expected.toFixed(1)} ± ${tolerance.toFixed(0)} ms`,
  );
}

const round = (list: number[]) => list.map((n) => Math.round(n));

describe("mcpwire replay keeps the recorded pace of a real session", () => {
  let everything: HttpChild | undefined;
  let dir = "";
  let file = "";
  /** Offsets of the recorded progress notifications and response from the recorded request, in ms. */
  let recorded: { progress: number[]; result: number };
  let liveText = "";

  before(async () => {
    everything = await startEverything("streamableHttp");
    dir = await mkdtemp(join(tmpdir(), "mcpwire-pace-"));
    file = join(dir, "long.jsonl");
    const reverse = await startCli(
      ["reverse", "--bind", "127.0.0.1:0", "--upstream", new URL("/mcp", everything.url).href, "--record", file],
      /listening on (\S+)/,
    );
    try {
      liveText = (await longCall(reverse.endpoint)).text;
    } finally {
      assert.ok((await reverse.stop()).clean, "mcpwire reverse shut down cleanly (the tape is flushed)");
    }
    const messages = parseTape(await readFile(file, "utf8")).records.filter((r): r is TapeMessage =>
      r.type === "message"
    );
    const request = messages.find((m) =>
      m.direction === "client-to-server" && "method" in m.message && m.message.method === "tools/call"
    );
    assert.ok(request && "id" in request.message, "the tape holds the tools/call request");
    const id = request.message.id;
    const progress = messages.filter((m) => "method" in m.message && m.message.method === "notifications/progress");
    const response = messages.find((m) =>
      m.direction === "server-to-client" && "id" in m.message && m.message.id === id && !("method" in m.message)
    );
    assert.equal(progress.length, STEPS);
    assert.ok(response);
    recorded = { progress: progress.map((m) => m.at - request.at), result: response.at - request.at };
    // The recording itself is spread over the tool's duration (else the rest of this suite proves nothing).
    assertNear(recorded.progress.at(-1)!, DURATION_S * 1000, "recorded last progress");
  });
  after(async () => {
    await everything?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("at the default pace the progress notifications are spaced as recorded", { timeout: 30_000 }, async () => {
    const replay = await startCli(["replay", file, "--bind", "127.0.0.1:0"], /mock MCP server on (\S+)/);
    try {
      const got = await longCall(replay.endpoint);
      console.log(
        `recorded ${round(recorded.progress)} → ${recorded.result}; replayed ${round(got.progress)} → ${
          Math.round(got.resultMs)
        } ms`,
      );
      assert.equal(got.text, liveText);
      assert.equal(got.progress.length, STEPS);
      got.progress.forEach((ms, i) => assertNear(ms, recorded.progress[i]!, `progress ${i + 1}`));
      for (let i = 1; i < STEPS; i++) {
        assertNear(
          got.progress[i]! - got.progress[i - 1]!,
          recorded.progress[i]! - recorded.progress[i - 1]!,
          `gap before progress ${i + 1}`,
        );
      }
      assertNear(got.resultMs, recorded.result, "result");
    } finally {
      assert.ok((await replay.stop()).clean);
    }
  });

  test("--speed 2 halves every delay", { timeout: 30_000 }, async () => {
    const replay = await startCli(
      ["replay", file, "--bind", "127.0.0.1:0", "--speed", "2"],
      /mock MCP server on (\S+)/,
    );
    try {
      const got = await longCall(replay.endpoint);
      console.log(`--speed 2: replayed ${round(got.progress)} → ${Math.round(got.resultMs)} ms`);
      assert.equal(got.progress.length, STEPS);
      got.progress.forEach((ms, i) => assertNear(ms, recorded.progress[i]! / 2, `progress ${i + 1}`));
    } finally {
      await replay.stop();
    }
  });

  test("--speed 0 delivers everything as fast as possible", { timeout: 30_000 }, async () => {
    const replay = await startCli(
      ["replay", file, "--bind", "127.0.0.1:0", "--speed", "0"],
      /mock MCP server on (\S+)/,
    );
    try {
      const got = await longCall(replay.endpoint);
      console.log(`--speed 0: replayed ${got.progress.map((n) => n.toFixed(1))} → ${got.resultMs.toFixed(1)} ms`);
      assert.equal(got.text, liveText);
      assert.equal(got.progress.length, STEPS);
      const spread = got.progress.at(-1)! - got.progress[0]!;
      assert.ok(spread <= 20, `the progress notifications spread over ${spread.toFixed(1)} ms`);
      // One HTTP round trip through the mock, far from the recorded 2 s.
      assert.ok(got.resultMs < 250, `the result came after ${got.resultMs.toFixed(1)} ms`);
    } finally {
      await replay.stop();
    }
  });

  test("SIGTERM with a paced stream pending stops the mock at once", { timeout: 30_000 }, async () => {
    // At a tenth of the pace the call would take 20 s: its waits must not keep the process alive.
    const replay = await startCli(
      ["replay", file, "--bind", "127.0.0.1:0", "--speed", "0.1"],
      /mock MCP server on (\S+)/,
    );
    const client = new Client({ name: "replay-pace-e2e", version: "1" });
    const transport = new StreamableHTTPClientTransport(replay.endpoint);
    let stopped: { clean: boolean; ms: number } | undefined;
    try {
      await client.connect(transport);
      let progress = 0;
      const call = client.callTool(
        { name: "trigger-long-running-operation", arguments: { duration: DURATION_S, steps: STEPS } },
        undefined,
        { onprogress: () => progress++, timeout: 60_000 },
      ).then(() => "answered", () => "failed");
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(progress, 0, "the first progress is due only after 5 s");
      stopped = await replay.stop();
      assert.ok(stopped.clean, "the mock ran its shutdown");
      assert.ok(stopped.ms < 3_000, `the mock took ${Math.round(stopped.ms)} ms to exit`);
      // The SDK client may try to resume the stream for a while; what matters is that no answer came.
      const outcome = await Promise.race([call, new Promise((resolve) => setTimeout(() => resolve("pending"), 200))]);
      assert.notEqual(outcome, "answered");
    } finally {
      await client.close().catch(() => {});
      if (!stopped) await replay.stop();
    }
  });
});
