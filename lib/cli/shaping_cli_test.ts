/** The `rules`, `tape` and `replay` commands, driven with an in-memory runtime. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Runtime, runtime } from "../runtime/mod.ts";
import { rulesCommand } from "./rules.ts";
import { tapeCommand } from "./tape.ts";
import { replayCommand } from "./replay.ts";
import { reverseCommand } from "./reverse.ts";
import { forwardCommand } from "./forward.ts";
import { EVERYTHING, serveProxy } from "../../testing/e2e.ts";
import { tapeUpstream } from "../record/replay_upstream.ts";
import { slowCallTape } from "../../testing/tapes.ts";
import { parseTape } from "../record/tape.ts";
import { rawSession } from "../../testing/intercept.ts";

function fakeRuntime(files: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const rt: Runtime = {
    ...runtime,
    readTextFile: (
      path,
    ) => (path in files ? Promise.resolve(files[path]!) : Promise.reject(new Error(`ENOENT: ${path}`))),
    writeStdout: (text) => Promise.resolve(void out.push(text)),
    writeStderr: (text) => void err.push(text),
  };
  return { rt, out: () => out.join(""), err: () => err.join("") };
}

const TAPE = [
  `{"type":"tape","format":"mcpwire-tape","version":1,"createdAt":"2026-01-01T00:00:00.000Z","upstream":"x"}`,
  `{"type":"message","at":1000,"session":"abcdefghijk","direction":"client-to-server","stream":"post","message":{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}}`,
  `{"type":"message","at":1250,"session":"abcdefghijk","direction":"server-to-client","stream":"post","message":{"jsonrpc":"2.0","id":1,"result":{}}}`,
  `{"type":"http","at":1251,"session":"abcdefghijk","method":"POST","status":200,"durationMs":3,"request":{"headers":{}},"response":{"headers":{"content-type":"application/json"}}}`,
].join("\n");

describe("mcpwire rules check", () => {
  test("valid files print ok and exit 0; an invalid one prints file:line:column issues and exits 1", async () => {
    const f = fakeRuntime({
      "good.yaml": "version: 1\nrules:\n  - match: { method: ping }\n    action: drop\n",
      "bad.json": `{"version": 1, "rules": [{"action": "nope"}]}`,
    });
    assert.equal(await rulesCommand(["check", "good.yaml"], f.rt), 0);
    assert.equal(f.out(), "good.yaml: ok (1 rules)\n");
    assert.equal(await rulesCommand(["check", "good.yaml", "bad.json"], f.rt), 1);
    assert.match(f.out(), /bad\.json:1:37: rules\[0\]\.action: must be one of continue, block, respond, drop/);
  });

  test("a missing file exits 1; a missing subcommand is a usage error", async () => {
    const f = fakeRuntime({});
    assert.equal(await rulesCommand(["check", "nope.yaml"], f.rt), 1);
    assert.match(f.err(), /nope\.yaml: cannot read: ENOENT/);
    assert.equal(await rulesCommand([], f.rt), 2);
  });
});

describe("mcpwire tape show", () => {
  test("prints a timeline", async () => {
    const f = fakeRuntime({ "t.jsonl": TAPE });
    assert.equal(await tapeCommand(["show", "t.jsonl"], f.rt), 0);
    assert.equal(
      f.out(),
      [
        "tape v1 recorded 2026-01-01T00:00:00.000Z from x",
        "   +0.000s  abcdefgh  → post  tools/call #1 echo",
        "   +0.250s  abcdefgh  ← post  result #1 (tools/call)",
        "   +0.251s  abcdefgh  HTTP POST 200 application/json (3 ms)",
        "2 messages, 1 sessions",
        "",
      ].join("\n"),
    );
  });

  test("a broken line is reported with its number", async () => {
    const f = fakeRuntime({ "t.jsonl": TAPE + "\n{oops" });
    assert.equal(await tapeCommand(["show", "t.jsonl"], f.rt), 1);
    assert.match(f.err(), /Line 5: not JSON/);
  });
});

describe("mcpwire replay", () => {
  test("usage errors exit 2; an unreadable tape exits 1", async () => {
    const f = fakeRuntime({ "t.jsonl": TAPE });
    assert.equal(await replayCommand([], f.rt), 2);
    assert.equal(await replayCommand(["t.jsonl", "--bind", "127.0.0.1:1", "--against", "http://x/"], f.rt), 2);
    assert.equal(await replayCommand(["missing.jsonl"], f.rt), 1);
    assert.equal(await replayCommand(["t.jsonl", "--against", "not a url"], f.rt), 2);
  });

  test("--speed and the timing flags are checked before anything starts", async () => {
    const f = fakeRuntime({ "t.jsonl": TAPE });
    for (const speed of ["-1", "fast", "", "1e3", "Infinity"]) {
      assert.equal(await replayCommand(["t.jsonl", "--speed", speed], f.rt), 2, `--speed ${speed}`);
    }
    assert.match(f.err(), /--speed must be a number of at least 0, e\.g\. 2, 0\.5 or 0 \(got fast\)/);
    assert.equal(await replayCommand(["t.jsonl", "--against", "http://x/", "--speed", "2"], f.rt), 2);
    assert.equal(await replayCommand(["t.jsonl", "--timing-tolerance", "100ms"], f.rt), 2);
    assert.equal(await replayCommand(["t.jsonl", "--ignore-timing"], f.rt), 2);
    for (const bad of ["soon", "100ms,20", "100ms,x%", "-5"]) {
      assert.equal(await replayCommand(["t.jsonl", "--against", "http://x/", "--timing-tolerance", bad], f.rt), 2, bad);
    }
    const both = ["t.jsonl", "--against", "http://x/", "--timing-tolerance", "1s", "--ignore-timing"];
    assert.equal(await replayCommand(both, f.rt), 2);
    assert.match(f.err(), /Give either --timing-tolerance or --ignore-timing, not both/);
  });

  test(
    "--against prints timing differences labelled, and they fail the run unless ignored",
    { timeout: 20_000 },
    async () => {
      const text = slowCallTape({ steps: 4, stepMs: 150 });
      // The same tape served as fast as possible: content equal, every message of the stream early.
      const mock = await serveProxy({ upstream: tapeUpstream(parseTape(text), { speed: 0 }) });
      try {
        const run = async (...flags: string[]) => {
          const f = fakeRuntime({ "t.jsonl": text });
          return {
            code: await replayCommand(["t.jsonl", "--against", mock.endpoint.href, ...flags], f.rt),
            out: f.out(),
          };
        };
        const strict = await run();
        assert.equal(strict.code, 1, strict.out);
        assert.match(
          strict.out,
          /abcdefgh {2}tools\/call slow #2 {2}timing: notifications\/progress 1\/4 at \+\d+ ms, recorded \+150 ms \(\d+ ms early; tolerance 50 ms\)/,
        );
        assert.match(strict.out, /timing: response at \+\d+ ms, recorded \+600 ms \(\d+ ms early; tolerance 120 ms\)/);
        assert.match(strict.out, /: 5 differences \(0 content, 5 timing\)\n$/);
        const ignored = await run("--ignore-timing");
        assert.equal(ignored.code, 0, ignored.out);
        assert.match(ignored.out, /: no differences \(timing not compared\)\n$/);
        const tolerant = await run("--timing-tolerance", "1s");
        assert.equal(tolerant.code, 0, tolerant.out);
        const ratio = await run("--timing-tolerance", "0ms,100%");
        assert.equal(ratio.code, 0, ratio.out);
      } finally {
        await mock.close();
      }
    },
  );
});

describe("mcpwire reverse --rules --record", () => {
  test("rules apply and reload, the tape records the session, shutdown flushes it", { timeout: 30_000 }, async () => {
    const files: Record<string, string> = {
      "rules.yaml":
        "version: 1\nrules:\n  - match: { tool: get-env }\n    action: block\n    error: { message: no env }\n",
    };
    const err: string[] = [];
    let shutdown: (() => void) | undefined;
    const rt: Runtime = {
      ...runtime,
      readTextFile: (path) => Promise.resolve(files[path] ?? ""),
      writeTextFile: (path, text) => Promise.resolve(void (files[path] = text)),
      appendTextFile: (path, text) => Promise.resolve(void (files[path] = (files[path] ?? "") + text)),
      writeStderr: (text) => void err.push(text),
      onShutdownSignal: (handler) => void (shutdown = () => handler("SIGTERM")),
    };
    const exited = reverseCommand(
      ["--bind", "127.0.0.1:0", "--rules", "rules.yaml", "--record", "tape.jsonl", "--", "node", EVERYTHING, "stdio"],
      rt,
    );
    const deadline = Date.now() + 10_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = /listening on (\S+)/.exec(err.join(""))?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(url, err.join(""));
    const s = await rawSession(new URL(url), "2025-06-18");
    const call = async (id: number) => {
      const r = await s.post({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "get-env", arguments: {} } });
      return await r.text();
    };
    assert.match(await call(2), /"message":"no env"/);
    files["rules.yaml"] = "version: 1\nrules: []\n";
    const reloaded = Date.now() + 5_000;
    while (!err.join("").includes("rules reloaded") && Date.now() < reloaded) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.doesNotMatch(await call(3), /no env/);
    await s.close();
    shutdown!();
    assert.equal(await exited, 0);
    const tape = parseTape(files["tape.jsonl"]!);
    assert.equal(tape.header?.format, "mcpwire-tape");
    const methods = tape.records.flatMap((
      r,
    ) => (r.type === "message" && "method" in r.message ? [r.message.method] : []));
    assert.deepEqual(methods, ["initialize", "notifications/initialized", "tools/call", "tools/call"]);
    assert.ok(tape.records.some((r) => r.type === "http" && r.method === "DELETE" && r.status === 200));
  });
});

describe("mcpwire forward --rules --record", () => {
  test("the stdio client sees the rules applied; the tape records both directions", { timeout: 30_000 }, async () => {
    const files: Record<string, string> = {
      "rules.yaml": [
        "version: 1",
        "rules:",
        "  - match: { tool: get-env }",
        "    action: block",
        "    error: { message: no env here }",
        "  - match: { direction: server-to-client, tool: echo }",
        '    set: { "result.content[0].text": forwarded and rewritten }',
      ].join("\n"),
    };
    const lines: string[] = [];
    let input: ReadableStreamDefaultController<Uint8Array> | undefined;
    const encoder = new TextEncoder();
    const rt: Runtime = {
      ...runtime,
      stdin: () => new ReadableStream<Uint8Array>({ start: (c) => void (input = c) }),
      readTextFile: (path) => Promise.resolve(files[path] ?? ""),
      writeTextFile: (path, text) => Promise.resolve(void (files[path] = text)),
      appendTextFile: (path, text) => Promise.resolve(void (files[path] = (files[path] ?? "") + text)),
      writeStdout: (text) => Promise.resolve(void lines.push(...text.split("\n").filter((l) => l !== ""))),
      writeStderr: () => {},
      onShutdownSignal: () => {},
    };
    const exited = forwardCommand([
      "--rules",
      "rules.yaml",
      "--record",
      "tape.jsonl",
      "--",
      "node",
      EVERYTHING,
      "stdio",
    ], rt);
    const ready = Date.now() + 10_000;
    while (input === undefined && Date.now() < ready) await new Promise((r) => setTimeout(r, 10));
    const send = (m: unknown) => input!.enqueue(encoder.encode(JSON.stringify(m) + "\n"));
    const answer = async (id: number) => {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const found = lines.map((l) => JSON.parse(l)).find((m) => m.id === id && !("method" in m));
        if (found) return found;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no answer to ${id}: ${lines.join("\n")}`);
    };
    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    });
    assert.ok((await answer(1)).result);
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "get-env", arguments: {} } });
    assert.deepEqual((await answer(2)).error, { code: -32000, message: "no env here" });
    send({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "echo", arguments: { message: "hi" } } });
    assert.deepEqual((await answer(3)).result, { content: [{ type: "text", text: "forwarded and rewritten" }] });
    input!.close();
    assert.equal(await exited, 0);
    const tape = parseTape(files["tape.jsonl"]!);
    const seen = tape.records.flatMap((r) =>
      r.type === "message"
        ? [`${r.direction} ${"method" in r.message ? r.message.method : `#${(r.message as { id: number }).id}`}`]
        : []
    );
    // server-everything also sends notifications of its own (logging, list changes); leave them out.
    assert.deepEqual(seen.filter((x) => !x.startsWith("server-to-client notifications/")), [
      "client-to-server initialize",
      "server-to-client #1",
      "client-to-server notifications/initialized",
      "client-to-server tools/call",
      "server-to-client #2",
      "client-to-server tools/call",
      "server-to-client #3",
    ]);
  });
});
