import { test } from "node:test";
import assert from "node:assert/strict";
import { TrafficBuffer, type UiEvent } from "./buffer.ts";
import { createUiHandler } from "./server.ts";
import { parseTape } from "../record/tape.ts";
import type { Envelope } from "../protocol/envelope.ts";

const c2s = (id: number, method: string, at: number, sessionId = "s"): Envelope => ({
  direction: "client-to-server",
  receivedAt: at,
  sessionId,
  message: { jsonrpc: "2.0", id, method, params: { clientInfo: { name: "c", version: "1" } } },
});
const s2c = (id: number, at: number, sessionId = "s"): Envelope => ({
  direction: "server-to-client",
  receivedAt: at,
  sessionId,
  message: { jsonrpc: "2.0", id, result: {} },
});

test("latency of a request/response pair, initialize marks, session summary", () => {
  const ui = new TrafficBuffer({ upstream: "u" });
  ui.onMessage(c2s(1, "initialize", 100));
  ui.onMessage(s2c(1, 130));
  ui.onMessage(c2s(1, "initialize", 200, "t"));
  const [init, reply, again] = ui.entries();
  assert.equal(init!.mark, "initialize");
  assert.equal(reply!.latencyMs, 30);
  assert.equal(again!.mark, "re-initialize");
  const s = ui.sessions().find((x) => x.id === "s")!;
  assert.deepEqual([s.client, s.fromClient, s.toClient, s.state], ["c 1", 1, 1, "open"]);
});

test("the buffer evicts the oldest past its capacity and forgets emptied sessions", () => {
  const ui = new TrafficBuffer({ upstream: "u", capacity: 3 });
  ui.onMessage(c2s(1, "ping", 1, "a"));
  for (let i = 2; i <= 5; i++) ui.onMessage(c2s(i, "ping", i, "b"));
  assert.deepEqual(ui.entries().map((e) => e.seq), [3, 4, 5]);
  assert.deepEqual(ui.sessions().map((s) => s.id), ["b"]);
});

test("subscribers get each entry; a tape export is the session's records after a header", () => {
  const ui = new TrafficBuffer({ upstream: "http://x/mcp" });
  const seen: UiEvent[] = [];
  const stop = ui.subscribe((e) => seen.push(e));
  ui.onMessage(c2s(1, "tools/list", 1));
  ui.onMessage(c2s(2, "ping", 2, "other"));
  stop();
  ui.onMessage(s2c(1, 3));
  assert.equal(seen.length, 2);
  const tape = parseTape(ui.tape("s"));
  assert.equal(tape.header?.upstream, "http://x/mcp");
  assert.equal(tape.records.length, 2);
});

test("wrap records exchanges, resumes and HTTP errors", async () => {
  const ui = new TrafficBuffer({ upstream: "u" });
  const handler = ui.wrap(() => Promise.resolve(new Response(null, { status: 404 })));
  await handler(new Request("http://127.0.0.1/mcp", { headers: { "last-event-id": "1.2", "mcp-session-id": "s" } }));
  const [e] = ui.entries();
  assert.deepEqual([e!.mark, e!.error, e!.record.session], ["resume", "HTTP 404", "s"]);
});

test("the UI handler refuses a foreign Host and serves the page, script, events and tape", async () => {
  const buffer = new TrafficBuffer({ upstream: "u" });
  const ui = createUiHandler({ buffer, keepAliveMs: 0 });
  assert.equal((await ui(new Request("http://evil.example/"))).status, 403);
  assert.equal((await ui(new Request("http://127.0.0.1/", { method: "POST" }))).status, 405);
  assert.equal((await ui(new Request("http://127.0.0.1/nope"))).status, 404);
  assert.match((await ui(new Request("http://127.0.0.1/ui.js"))).headers.get("content-type")!, /javascript/);
  const events = await ui(new Request("http://127.0.0.1/events"));
  const reader = events.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.match(first, /^event: snapshot\n/);
  await reader.cancel();
  const denied = createUiHandler({ buffer, authorize: () => new Response("no", { status: 401 }) });
  assert.equal((await denied(new Request("http://127.0.0.1/"))).status, 401);
});

test("rule hits go on their message's entry: a client message's at once, a server message's when it comes", () => {
  const ui = new TrafficBuffer({ upstream: "u" });
  const events: UiEvent[] = [];
  ui.subscribe((e) => events.push(e));
  ui.onMessage(c2s(1, "tools/call", 100));
  ui.onMessage(c2s(1, "tools/call", 101, "other"));
  ui.onRuleHit({
    rule: "block it",
    actions: ["block"],
    direction: "client-to-server",
    sessionId: "s",
    message: c2s(1, "tools/call", 0).message,
  });
  const [request, other] = ui.entries();
  assert.deepEqual(request!.rules, [{ rule: "block it", actions: ["block"] }]);
  assert.equal(other!.rules, undefined, "another session's message with the same id is not touched");
  assert.equal(events.length, 3, "the entry was sent again");
  assert.equal(events[2]!.entry.seq, request!.seq);
  ui.onRuleHit({
    rule: "rewrite",
    actions: ["edit", "inject"],
    direction: "server-to-client",
    sessionId: "s",
    message: s2c(2, 0).message,
  });
  ui.onMessage(s2c(2, 120));
  ui.onMessage(s2c(3, 121));
  const [, , edited, plain] = ui.entries();
  assert.deepEqual(edited!.rules, [{ rule: "rewrite", actions: ["edit", "inject"] }]);
  assert.equal(plain!.rules, undefined);
});
