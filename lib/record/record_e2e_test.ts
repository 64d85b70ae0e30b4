/**
 * End to end: a real session (the SDK client through the reverse proxy to server-everything) is
 * recorded to a tape, over Streamable HTTP and over stdio; the tape, served by `tapeUpstream`, gives a new SDK client the same results; the
 * tape's client side replayed against the live server finds no differences, and finds a planted one.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "../../testing/deps.ts";
import { EVERYTHING, type HttpChild, type ServedProxy, serveProxy, startEverything } from "../../testing/e2e.ts";
import { stdioUpstream } from "../upstream/stdio.ts";
import { spawn } from "../runtime/process.ts";
import type { Upstream } from "../upstream/types.ts";
import { streamableHttpUpstream } from "../upstream/streamable_http.ts";
import { createReverseProxy } from "../proxy/reverse.ts";
import { serve, type Server } from "../runtime/serve.ts";
import { createTapeRecorder } from "./recorder.ts";
import { parseTape, type Tape } from "./tape.ts";
import { tapeUpstream } from "./replay_upstream.ts";
import { replayAgainst } from "./against.ts";
import { formatTimeline } from "./show.ts";

/** One scripted session; returns everything the client observed. */
async function session(endpoint: URL): Promise<Record<string, unknown>> {
  const client = new Client({ name: "tape-e2e", version: "1" });
  const transport = new StreamableHTTPClientTransport(endpoint);
  await client.connect(transport);
  try {
    const seen: Record<string, unknown> = {};
    seen.server = client.getServerVersion();
    seen.tools = (await client.listTools()).tools.map((t: { name: string }) => t.name);
    seen.echo = (await client.callTool({ name: "echo", arguments: { message: "tape ☃" } })).content;
    seen.sum = (await client.callTool({ name: "get-sum", arguments: { a: 20, b: 22 } })).content;
    const progress: number[] = [];
    seen.long = (await client.callTool(
      { name: "trigger-long-running-operation", arguments: { duration: 0.3, steps: 3 } },
      undefined,
      { onprogress: (p: { progress: number }) => progress.push(p.progress) },
    )).content;
    seen.progress = progress;
    const resources = await client.listResources();
    seen.resource = (await client.readResource({ uri: resources.resources[0]!.uri })).contents;
    seen.prompt = (await client.getPrompt({ name: "simple-prompt", arguments: {} })).messages;
    seen.ping = await client.ping();
    return seen;
  } finally {
    await transport.terminateSession().catch(() => {});
    await client.close();
  }
}

function tapeTests(kind: "http" | "stdio"): void {
  let everything: HttpChild | undefined;
  let upstream: () => Upstream;
  let recording: { server: Server; close(): Promise<void> };
  let text = "";
  let tape: Tape;
  let live: Record<string, unknown>;

  before(async () => {
    if (kind === "http") {
      const child = everything = await startEverything("streamableHttp");
      upstream = () => streamableHttpUpstream({ url: new URL("/mcp", child.url) });
    } else {
      upstream = () => stdioUpstream({ command: "node", args: [EVERYTHING, "stdio"], spawn });
    }
    const recorder = createTapeRecorder({
      write: (t) => Promise.resolve(void (text += t)),
      upstream: "server-everything",
    });
    const proxy = createReverseProxy({
      upstream: upstream(),
      onMessage: recorder.onMessage,
    });
    const server = await serve(recorder.wrap(proxy.fetch), { hostname: "127.0.0.1", port: 0 });
    recording = {
      server,
      async close() {
        await proxy.close();
        await server.close();
        await recorder.close();
      },
    };
    live = await session(new URL("/mcp", server.url));
    await recording.close();
    tape = parseTape(text);
  });
  after(async () => {
    await everything?.close();
  });

  test("the tape holds every message with direction, session and stream, and the HTTP exchanges", () => {
    assert.equal(tape.header?.format, "mcpwire-tape");
    assert.equal(tape.header?.version, 1);
    const messages = tape.records.filter((r) => r.type === "message");
    const http = tape.records.filter((r) => r.type === "http");
    assert.ok(messages.length >= 20, `${messages.length} messages`);
    assert.ok(messages.every((m) => m.type === "message" && typeof m.session === "string" && m.stream !== undefined));
    assert.ok(
      messages.some((m) =>
        m.type === "message" && m.direction === "server-to-client" && "method" in m.message &&
        m.message.method === "notifications/progress"
      ),
    );
    assert.ok(http.some((h) =>
      h.type === "http" && h.method === "POST" && h.status === 200 &&
      h.response.headers["content-type"] === "text/event-stream"
    ));
    assert.ok(http.some((h) => h.type === "http" && h.status === 202));
    assert.ok(!text.toLowerCase().includes("authorization"));
    const timeline = formatTimeline(tape);
    assert.match(timeline, /→ post\s+tools\/call #\d+ echo/);
    assert.match(timeline, /← post\s+result #\d+ \(tools\/call\)/);
    assert.match(timeline, /HTTP POST 200 text\/event-stream/);
  });

  test("served as a mock server, the tape gives the SDK client the same results", { timeout: 30_000 }, async () => {
    let mock: ServedProxy | undefined;
    const misses: string[] = [];
    try {
      mock = await serveProxy({ upstream: tapeUpstream(tape, { onMiss: (r) => misses.push(r.method) }) });
      const replayed = await session(mock.endpoint);
      assert.deepEqual(replayed, live);
      assert.deepEqual(live.progress, [1, 2, 3]);
      assert.deepEqual(misses, []);
    } finally {
      await mock?.close();
    }
  });

  test("a request the tape never saw gets a clear JSON-RPC error from the mock", { timeout: 30_000 }, async () => {
    const mock = await serveProxy({ upstream: tapeUpstream(tape) });
    const client = new Client({ name: "tape-e2e", version: "1" });
    const transport = new StreamableHTTPClientTransport(mock.endpoint);
    try {
      await client.connect(transport);
      await assert.rejects(client.listResourceTemplates(), /No recorded response for resources\/templates\/list/);
    } finally {
      await client.close();
      await mock.close();
    }
  });

  test(
    "replayed against the live server, the tape shows no differences; a planted one is found",
    { timeout: 30_000 },
    async () => {
      const same = await replayAgainst(tape, upstream());
      assert.equal(same.sessions, 1);
      assert.ok(same.requests >= 8);
      assert.deepEqual(same.differences, []);
      const planted = parseTape(text.replace("Echo: tape ☃", "Echo: something else"));
      const report = await replayAgainst(planted, upstream());
      assert.deepEqual(report.differences.map((d) => [d.request.replace(/#\d+/, "#n"), d.path, d.recorded, d.actual]), [
        ["tools/call echo #n", "result.content[0].text", "Echo: something else", "Echo: tape ☃"],
      ]);
    },
  );
}

describe("tapes of a real session over Streamable HTTP", () => tapeTests("http"));
describe("tapes of a real session over stdio", () => tapeTests("stdio"));
