/**
 * Slow and idle clients against `mcpwire reverse` started as the README says (docs/security.md): a
 * slowloris trickling headers is cut off by the runtime's header deadline (Bun; Deno's server has none,
 * see docs/security.md for what to put in front), and 2,000 idle TCP connections do not stop a normal client
 * (the descriptor budget, docs/limits.md).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { type HttpChild, postHeaders, RUNTIME, startEverything } from "../../testing/e2e.ts";
import { type CliProcess, startCli } from "../../testing/cli.ts";
import { initRequest } from "../../testing/messages.ts";

/** Sends `text` one byte per second; resolves with the seconds until the server closed (or `limitS`). */
function trickle(port: number, text: string, limitS: number): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect(port, "127.0.0.1");
    let i = 0;
    const timer = setInterval(() => i < text.length && socket.write(text[i++]!), 1_000);
    const end = () => {
      clearInterval(timer);
      clearTimeout(limit);
      socket.destroy();
      resolve((performance.now() - started) / 1_000);
    };
    const limit = setTimeout(end, limitS * 1_000);
    socket.on("close", end);
    socket.on("error", () => {});
  });
}

describe(`mcpwire reverse on ${RUNTIME}: slow and idle clients`, () => {
  let everything: HttpChild;
  let proxy: CliProcess;
  before(async () => {
    everything = await startEverything("streamableHttp");
    proxy = await startCli(["reverse", "--bind", "127.0.0.1:0", "--upstream", new URL("/mcp", everything.url).href]);
  }, { timeout: 30_000 });
  after(async () => {
    await proxy?.stop();
    await everything?.close();
  });

  test("a slowloris trickling headers 1 byte/s is cut off at the header deadline", {
    timeout: 60_000,
    skip: RUNTIME === "deno"
      ? "Deno.serve has no header read deadline: docs/security.md says what to put in front"
      : false,
  }, async () => {
    const seconds = await trickle(
      proxy.base.port ? Number(proxy.base.port) : 80,
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "a".repeat(200),
      45,
    );
    assert.ok(seconds < 40, `cut off after ${seconds.toFixed(1)} s`);
  });

  test("2,000 idle TCP connections do not stop a normal client", { timeout: 60_000 }, async () => {
    const port = Number(proxy.base.port);
    const sockets: net.Socket[] = [];
    try {
      await Promise.all(Array.from({ length: 2_000 }, () =>
        new Promise<void>((resolve) => {
          const s = net.connect(port, "127.0.0.1", () => resolve());
          s.on("error", () => resolve());
          sockets.push(s);
        })));
      const open = sockets.filter((s) => !s.destroyed).length;
      assert.ok(open >= 1_900, `${open} idle connections open`);
      const r = await fetch(proxy.base, {
        method: "POST",
        headers: postHeaders(),
        body: JSON.stringify(initRequest()),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await r.text();
      assert.equal(r.status, 200, text);
      assert.ok(r.headers.get("mcp-session-id"));
      assert.ok(proxy.alive());
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
});
