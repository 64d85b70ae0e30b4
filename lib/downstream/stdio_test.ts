import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { serveStdio } from "./stdio.ts";
import { streamableHttpUpstream } from "../upstream/streamable_http.ts";
import { resilientUpstream } from "../upstream/resilient.ts";
import { createFixture } from "../../testing/upstream_fixture.ts";
import { initRequest } from "../../testing/messages.ts";
import type { JsonRpcMessage } from "../jsonrpc/types.ts";

/** A client end: write lines to the proxy, read the lines it answers. */
function pipe() {
  const enc = new TextEncoder();
  let input!: ReadableStreamDefaultController<Uint8Array>;
  const lines: JsonRpcMessage[] = [];
  const waiters: (() => void)[] = [];
  return {
    input: new ReadableStream<Uint8Array>({ start: (c) => void (input = c) }),
    output: (text: string) => {
      for (const l of text.split("\n").filter(Boolean)) lines.push(JSON.parse(l));
      for (const w of waiters.splice(0)) w();
      return Promise.resolve();
    },
    send: (m: unknown) => input.enqueue(enc.encode((typeof m === "string" ? m : JSON.stringify(m)) + "\n")),
    end: () => input.close(),
    lines,
    /** Waits until `predicate` holds for the lines read so far (bounded). */
    async until(predicate: (lines: JsonRpcMessage[]) => boolean, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(lines)) {
        if (Date.now() > deadline) throw new Error(`timed out; lines: ${JSON.stringify(lines)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
    },
  };
}

const byId = (id: unknown) => (lines: JsonRpcMessage[]) =>
  lines.some((l) => "id" in l && l.id === id && !("method" in l));

describe("serveStdio", () => {
  test("forwards requests, writes only JSON-RPC, opens the GET stream after notifications/initialized", async () => {
    const fixture = createFixture();
    const client = pipe();
    const proxy = serveStdio({
      upstream: streamableHttpUpstream({ url: "http://upstream.test/mcp", fetch: fixture.fetch }),
      input: client.input,
      output: client.output,
    });
    client.send(initRequest(undefined, 1));
    client.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    client.send({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "slow", arguments: { steps: 2 }, _meta: { progressToken: "p" } },
    });
    await client.until(byId(2));
    const progress = client.lines.filter((l) => "method" in l && l.method === "notifications/progress");
    assert.equal(progress.length, 2);
    // initialize went out before notifications/initialized, which went out before the call.
    const posts = fixture.seen.filter((s) => s.method === "POST").map((s) => (s.body as { method?: string }).method);
    assert.deepEqual(posts, ["initialize", "notifications/initialized", "tools/call"]);
    await client.until(() => fixture.seen.some((s) => s.method === "GET"));
    fixture.notify("session-1", { jsonrpc: "2.0", method: "notifications/tools/list_changed" });
    await client.until((lines) => lines.some((l) => "method" in l && l.method === "notifications/tools/list_changed"));
    client.end();
    assert.equal(await proxy.done, "input-closed");
    assert.ok(fixture.seen.some((s) => s.method === "DELETE"), "the upstream session is closed");
  });

  test("an upstream HTTP refusal becomes a JSON-RPC error that carries the status and WWW-Authenticate", async () => {
    const client = pipe();
    const proxy = serveStdio({
      upstream: streamableHttpUpstream({
        url: "http://auth.test/mcp",
        fetch: () =>
          Promise.resolve(
            new Response("Unauthorized", { status: 401, headers: { "www-authenticate": 'Bearer realm="x"' } }),
          ),
      }),
      input: client.input,
      output: client.output,
    });
    client.send(initRequest(undefined, 1));
    await client.until(byId(1));
    const [error] = client.lines as { error: { code: number; data: unknown } }[];
    assert.equal(error!.error.code, -32003);
    assert.deepEqual(error!.error.data, { status: 401, wwwAuthenticate: 'Bearer realm="x"' });
    await proxy.close();
  });

  test("the upstream forgetting the session is repaired; the client only sees its own answers", async () => {
    const fixture = createFixture();
    const client = pipe();
    const proxy = serveStdio({
      upstream: resilientUpstream(streamableHttpUpstream({ url: "http://upstream.test/mcp", fetch: fixture.fetch })),
      input: client.input,
      output: client.output,
    });
    client.send(initRequest(undefined, 1));
    client.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    client.send({ jsonrpc: "2.0", id: 2, method: "ping" });
    await client.until(byId(2));
    fixture.forgetAll();
    client.send({ jsonrpc: "2.0", id: 3, method: "ping" });
    await client.until(byId(3));
    assert.deepEqual(client.lines.filter((l) => "id" in l).map((l) => (l as { id: unknown }).id), [1, 2, 3]);
    assert.ok(client.lines.every((l) => !("error" in l)), JSON.stringify(client.lines));
    await proxy.close();
  });
});
