/**
 * Graceful shutdown of `mcpwire reverse` (issue 14): on SIGTERM an open standalone GET stream gets an SSE
 * `retry:` field (the `--retry` value) and then ends, so its client reconnects elsewhere; the process exits by
 * itself well within its 10 s bound. Started as the README runs it, in front of server-everything.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { type HttpChild, postHeaders, startEverything } from "../../testing/e2e.ts";
import { type CliProcess, startCli } from "../../testing/cli.ts";

let everything: HttpChild;
let proxy: CliProcess;

before(async () => {
  everything = await startEverything("streamableHttp");
  proxy = await startCli([
    "reverse",
    "--bind",
    "127.0.0.1:0",
    "--retry",
    "2500ms",
    "--upstream",
    new URL("/mcp", everything.url).href,
  ]);
});

after(async () => {
  await proxy?.stop();
  await everything?.close();
});

test("SIGTERM ends an open GET stream with a retry hint and exits in time", async () => {
  const init = await fetch(proxy.base, {
    method: "POST",
    headers: postHeaders(),
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "shutdown-e2e", version: "1" } },
    }),
  });
  assert.equal(init.status, 200);
  await init.text();
  const session = init.headers.get("mcp-session-id")!;
  const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-06-18" };
  const initialized = await fetch(proxy.base, {
    method: "POST",
    headers: postHeaders(headers),
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  assert.equal(initialized.status, 202);
  await initialized.body?.cancel();
  const get = await fetch(proxy.base, { headers: { accept: "text/event-stream", ...headers } });
  assert.equal(get.status, 200);
  const reader = get.body!.getReader();
  const stopped = proxy.stop();
  let text = "";
  const decoder = new TextDecoder();
  const deadline = setTimeout(() => void reader.cancel(), 10_000);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // The connection may be cut once the hint is written; what arrived is checked below.
  } finally {
    clearTimeout(deadline);
  }
  const { clean, ms } = await stopped;
  assert.match(text, /(^|\n)retry: 2500\n\n$/, JSON.stringify(text));
  // stop() sends SIGKILL after 10 s: a clean exit sooner means the process ended by itself.
  assert.ok(clean && ms < 10_000, `clean ${clean}, exited after ${ms} ms`);
  assert.doesNotMatch(proxy.stderr(), /exiting anyway/);
});
