import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseRules } from "./rules_load.ts";
import { createRulesEngine } from "./rules_engine.ts";
import { compilePath, getPath, removePath, setPath } from "./json_path.ts";
import { watchRulesFile } from "./rules_watch.ts";
import type { Intercepted } from "./types.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";

function env(message: JsonRpcMessage, extra: Partial<Intercepted> = {}): Intercepted {
  return { direction: "client-to-server", receivedAt: 0, sessionId: "s1", message, ...extra };
}

function engineOf(yaml: string, now?: () => number) {
  const r = parseRules(yaml);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return createRulesEngine(r.rules, now);
}

const call = (name: string, args: Record<string, unknown> = {}, id = 1): JsonRpcMessage => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args },
});

describe("JSON paths", () => {
  test("compile dots, indexes and quoted keys; reject broken paths", () => {
    assert.deepEqual(compilePath("$.result.content[0].text"), ["result", "content", 0, "text"]);
    assert.deepEqual(compilePath(`a["x.y"][2]`), ["a", "x.y", 2]);
    assert.throws(() => compilePath("a[0"), /Unclosed/);
    assert.throws(() => compilePath("a..b"), /Empty segment/);
    assert.throws(() => compilePath("a[x]"), /Bad index/);
  });

  test("set and remove copy only along the path and never mutate the input", () => {
    const input = { result: { content: [{ text: "a" }, { text: "b" }] }, other: { keep: true } };
    const frozen = JSON.stringify(input);
    const set = setPath(input, compilePath("result.content[1].text"), "B");
    assert.equal(getPath(set, compilePath("result.content[1].text")), "B");
    assert.equal(set.other, input.other);
    const created = setPath(input, compilePath("result.meta.tags[0]"), "t");
    assert.deepEqual(getPath(created, compilePath("result.meta")), { tags: ["t"] });
    const removed = removePath(input, compilePath("result.content[0]"));
    assert.deepEqual(removed.result.content, [{ text: "b" }]);
    assert.equal(removePath(input, compilePath("nothing.here")), input);
    assert.equal(JSON.stringify(input), frozen);
  });
});

describe("rules files", () => {
  test("YAML issues carry line, column and field; every issue is reported", () => {
    const r = parseRules(`version: 1
rules:
  - name: fine
    match: { method: ping }
  - match:
      direction: sideways
      params: { "a..b": 1 }
    action: explode
    rateLimit: { max: -1, per: soon }
    colour: red
`);
    assert.equal(r.ok, false);
    if (r.ok) return;
    const byField = Object.fromEntries(r.issues.map((i) => [i.field, i]));
    assert.equal(byField["rules[1].match.direction"]?.line, 6);
    assert.equal(byField["rules[1].match.direction"]?.column, 18);
    assert.equal(byField['rules[1].match.params["a..b"]']?.line, 7);
    assert.equal(byField["rules[1].action"]?.line, 8);
    assert.equal(byField["rules[1].rateLimit.max"]?.line, 9);
    assert.equal(byField["rules[1].rateLimit.per"]?.line, 9);
    assert.equal(byField["rules[1].colour"]?.line, 10);
    assert.match(byField["rules[1].colour"]!.message, /unknown rule key/);
  });

  test("a version other than 1 and a missing rules list are refused", () => {
    const r = parseRules(`version: 2\n`);
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual(r.issues.map((i) => [i.field, i.line]).sort(), [["rules", 1], ["version", 1]]);
  });

  test("JSON files are strict JSON, with the error position on every runtime", () => {
    const r = parseRules(`{"version": 1,\n "rules": [\n  {"action": "drop",}\n]}`, { format: "json" });
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual([r.issues[0]!.line, r.issues[0]!.column], [3, 21]);
    const ok = parseRules(`{"version": 1, "rules": [{"match": {"method": "ping"}, "action": "drop"}]}`, {
      format: "json",
    });
    assert.equal(ok.ok, true);
  });

  test("YAML syntax errors carry their line", () => {
    const r = parseRules(`version: 1\nrules:\n  - match: { method: ping\n`);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.ok(r.issues[0]!.line >= 3, JSON.stringify(r.issues));
      assert.ok(!r.issues[0]!.message.includes("\n"));
    }
  });
});

describe("rules engine", () => {
  test("match on tool, JSON path conditions, all/any/not", async () => {
    const e = engineOf(`version: 1
rules:
  - match:
      tool: "delete_*"
      params: { "arguments.force": true, "arguments.count": { gt: 3 } }
      not: { session: trusted }
    action: block
    error: { message: nope }
`);
    const blocked = await e.interceptor(env(call("delete_all", { force: true, count: 5 })));
    assert.deepEqual(blocked, { action: "block", error: { message: "nope" } });
    assert.equal(await e.interceptor(env(call("delete_all", { force: true, count: 2 }))), undefined);
    assert.equal(
      await e.interceptor(env(call("delete_all", { force: true, count: 5 }), { sessionId: "trusted" })),
      undefined,
    );
    assert.equal(await e.interceptor(env(call("list", { force: true, count: 5 }))), undefined);
  });

  test("a response matches by the tool of its request; edits accumulate across rules", async () => {
    const e = engineOf(`version: 1
rules:
  - match: { direction: server-to-client, kind: result, tool: echo }
    set: { "result.content[0].text": changed }
  - match: { direction: server-to-client, result: { "content[0].text": changed } }
    remove: [ result.extra ]
`);
    const response: JsonRpcMessage = {
      jsonrpc: "2.0",
      id: 1,
      result: { content: [{ type: "text", text: "x" }], extra: 1 },
    };
    const action = await e.interceptor(
      env(response, { direction: "server-to-client", request: call("echo") as never }),
    );
    assert.deepEqual(action, {
      action: "continue",
      message: { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "changed" }] } },
    });
    assert.equal(
      await e.interceptor(env(response, { direction: "server-to-client", request: call("other") as never })),
      undefined,
    );
  });

  test("rate limit counts per session and method in a sliding window", async () => {
    let clock = 0;
    const e = engineOf(
      `version: 1
rules:
  - match: { method: [ping, tools/*] }
    rateLimit: { max: 2, per: 10s }
`,
      () => clock,
    );
    const ping = (session: string) =>
      e.interceptor(env({ jsonrpc: "2.0", id: 1, method: "ping" }, { sessionId: session }));
    assert.equal(await ping("a"), undefined);
    assert.equal(await ping("a"), undefined);
    assert.deepEqual(await ping("a"), {
      action: "block",
      error: { message: "Rate limit exceeded: at most 2 per 10s" },
    });
    assert.equal(await ping("b"), undefined);
    assert.equal(
      await e.interceptor(env({ jsonrpc: "2.0", id: 1, method: "tools/list" }, { sessionId: "a" })),
      undefined,
    );
    clock = 10_001;
    assert.equal(await ping("a"), undefined);
  });

  test("delay waits, then continues", async () => {
    const e = engineOf(`version: 1\nrules:\n  - match: { method: ping }\n    delay: 120ms\n`);
    const started = Date.now();
    assert.equal(await e.interceptor(env({ jsonrpc: "2.0", id: 1, method: "ping" })), undefined);
    assert.ok(Date.now() - started >= 110);
  });

  test("disabled rules are skipped; replace swaps the rules", async () => {
    const e = engineOf(`version: 1\nrules:\n  - match: { method: ping }\n    action: drop\n    enabled: false\n`);
    assert.equal(await e.interceptor(env({ jsonrpc: "2.0", method: "ping" })), undefined);
    const next = parseRules(`version: 1\nrules:\n  - match: { method: ping }\n    action: drop\n`);
    assert.ok(next.ok);
    if (next.ok) e.replace(next.rules);
    assert.deepEqual(await e.interceptor(env({ jsonrpc: "2.0", method: "ping" })), { action: "drop" });
  });
});

describe("watched rules files", () => {
  test(
    "a valid change is applied; an invalid one is reported and the previous rules stay",
    { timeout: 10_000 },
    async () => {
      const files = new Map([["r.yaml", `version: 1\nrules:\n  - match: { method: ping }\n    action: drop\n`]]);
      const log: string[] = [];
      const watched = await watchRulesFile("r.yaml", {
        readTextFile: (p) => Promise.resolve(files.get(p)!),
        intervalMs: 20,
        log: (l) => log.push(l),
      });
      const wait = () => new Promise((r) => setTimeout(r, 120));
      try {
        assert.equal(watched.engine.rules.rules.length, 1);
        files.set("r.yaml", `version: 1\nrules:\n  - action: drop\n  - action: block\n`);
        await wait();
        assert.equal(watched.engine.rules.rules.length, 2);
        files.set("r.yaml", `version: 1\nrules:\n  - action: nope\n`);
        await wait();
        assert.equal(watched.engine.rules.rules.length, 2);
        assert.match(
          log.join("\n"),
          /rejected, previous rules stay in force:\nr\.yaml:3:13: rules\[0\]\.action: must be one of/,
        );
      } finally {
        watched.stop();
      }
    },
  );

  test("an invalid file at start is an error listing its issues", async () => {
    await assert.rejects(
      watchRulesFile("x.yaml", { readTextFile: () => Promise.resolve("version: 1\nrules: 3\n") }),
      /x\.yaml:2:8: rules: must be a list of rules/,
    );
  });
});

describe("docs/rules.md", () => {
  test("every YAML and JSON example in the reference is a valid rules file", async () => {
    const { readFile } = await import("node:fs/promises");
    const text = await readFile(new URL("../../docs/rules.md", import.meta.url), "utf8");
    const blocks = [...text.matchAll(/```(yaml|json)\n([\s\S]*?)```/g)];
    assert.ok(blocks.length >= 2);
    for (const [, format, body] of blocks) {
      const r = parseRules(body!, { format: format as "yaml" | "json" });
      assert.ok(r.ok, `${format} example: ${JSON.stringify(!r.ok && r.issues)}`);
    }
  });
});

describe("rule hits", () => {
  test("each matching rule that changes something is reported with what it did", async () => {
    const r = parseRules(`
version: 1
rules:
  - name: tag
    match: { method: tools/call }
    set: { "params._meta.tagged": true }
  - name: only matches
    match: { method: tools/call }
  - name: no delete
    match: { tool: delete }
    action: block
`);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const hits: unknown[] = [];
    const engine = createRulesEngine(r.rules, Date.now, (hit) => hits.push(hit));
    await engine.interceptor(env(call("delete")));
    assert.deepEqual(hits, [
      { rule: "tag", actions: ["edit"], direction: "client-to-server", sessionId: "s1", message: call("delete") },
      {
        rule: "no delete",
        actions: ["block"],
        direction: "client-to-server",
        sessionId: "s1",
        message: { ...call("delete"), params: { name: "delete", arguments: {}, _meta: { tagged: true } } },
      },
    ]);
    hits.length = 0;
    await engine.interceptor(env({ jsonrpc: "2.0", id: 2, method: "ping" }));
    assert.deepEqual(hits, [], "no rule matched");
  });
});
