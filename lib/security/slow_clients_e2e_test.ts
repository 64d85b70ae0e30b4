/**
 * Slow and idle clients against `mcpwire reverse` started as the README says (docs/security.md): a
 * slowloris trickling headers is cut off at the header deadline (Deno: mcpwire's header-deadline front,
 * `--header-timeout`, default 10 s, on by default for non-loopback binds; Bun: its server's own, about 10 s), an over-limit request head gets 431
 * with a JSON-RPC error body, and 2,000 idle TCP connections do not stop a normal SDK client (the
 * descriptor budget, docs/limits.md).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "../../testing/deps.ts";
import { type HttpChild, postHeaders, RUNTIME, startEverything } from "../../testing/e2e.ts";
import { initRequest } from "../../testing/messages.ts";
import { type CliProcess, startCli } from "../../testing/cli.ts";

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

/** Sends `text` at once; resolves with everything the server answered before closing (bounded). */
function exchange(port: number, text: string, limitMs = 10_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(text));
    let got = "";
    const end = () => {
      clearTimeout(limit);
      socket.destroy();
      resolve(got);
    };
    const limit = setTimeout(end, limitMs);
    socket.on("data", (d) => void (got += d.toString("latin1")));
    socket.on("close", end);
    socket.on("error", () => {});
  });
}

/** The soft open-file limit of a process, from `/proc/<pid>/limits`. */
function softOpenFiles(pid: number | "self"): number {
  return Number(/^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, "utf8"))?.[1] ?? 0);
}

/** A normal SDK client session: initialize, list tools, call echo, close. */
async function normalSession(endpoint: URL): Promise<string> {
  const client = new Client({ name: "slow-clients-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(endpoint));
  try {
    const tools = await client.listTools();
    assert.ok(tools.tools.some((t: { name: string }) => t.name === "echo"));
    const result = await client.callTool({ name: "echo", arguments: { message: "still here" } });
    return JSON.stringify(result.content);
  } finally {
    await client.close();
  }
}

describe(`mcpwire reverse on ${RUNTIME}: slow and idle clients`, () => {
  let everything: HttpChild;
  let proxy: CliProcess;
  const dir = mkdtempSync(join(tmpdir(), "mcpwire-slow-"));
  const auditLog = join(dir, "audit.jsonl");
  before(async () => {
    everything = await startEverything("streamableHttp");
    // `--header-timeout` is the default value, given because the bind is loopback: Deno's front runs by default
    // only on non-loopback binds (`usesHeaderFront`, tested in lib/runtime/serve_test.ts), and these tests
    // reach mcpwire on loopback only. On Bun the flag changes nothing (its server's own deadline).
    proxy = await startCli([
      "reverse",
      "--header-timeout",
      "10s",
      // Shorter than the 30 s default so the slow-body test stays short.
      "--body-timeout",
      "3s",
      "--bind",
      "127.0.0.1:0",
      "--audit-log",
      auditLog,
      "--upstream",
      new URL("/mcp", everything.url).href,
    ]);
  }, { timeout: 30_000 });
  after(async () => {
    await proxy?.stop();
    await everything?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a slowloris trickling headers 1 byte/s is cut off at the header deadline", { timeout: 60_000 }, async () => {
    const [seconds, session] = await Promise.all([
      trickle(Number(proxy.base.port), "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "a".repeat(200), 45),
      // Meanwhile a normal session works.
      normalSession(proxy.base),
    ]);
    assert.match(session, /still here/);
    // Deno: the front's 10 s default; Bun: its own deadline (measured about 13 s for this trickle).
    assert.ok(seconds >= (RUNTIME === "deno" ? 9.5 : 5) && seconds < 20, `cut off after ${seconds.toFixed(1)} s`);
  });

  test("a client trickling its POST body gets 408 with a JSON-RPC error at the body deadline", async () => {
    const head = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
      "Accept: application/json, text/event-stream\r\nContent-Length: 200\r\n\r\n{";
    const started = performance.now();
    // Resolves with the answer once its JSON body is complete (or whatever came when the socket closed).
    const { answer, body, closed } = await new Promise<{ answer: string; body?: any; closed: boolean }>((resolve) => {
      const socket = net.connect(Number(proxy.base.port), "127.0.0.1", () => socket.write(head));
      let got = "";
      const timer = setInterval(() => socket.write(" "), 500);
      const end = (result: { answer: string; body?: any; closed: boolean }) => {
        clearInterval(timer);
        clearTimeout(limit);
        socket.destroy();
        resolve(result);
      };
      const limit = setTimeout(() => end({ answer: got, closed: false }), 15_000);
      socket.on("data", (d) => {
        got += d.toString("latin1");
        const line = got.slice(got.indexOf("\r\n\r\n") + 4).split("\r\n").find((l) => l.startsWith("{"));
        try {
          if (got.includes("\r\n\r\n") && line) end({ answer: got, body: JSON.parse(line), closed: false });
        } catch { /* not complete yet */ }
      });
      socket.on("close", () => end({ answer: got, closed: true }));
      socket.on("error", () => {});
    });
    const seconds = (performance.now() - started) / 1_000;
    assert.match(answer, /^HTTP\/1\.1 408 /, `${closed ? "closed" : "open"}: ${answer.slice(0, 200)}`);
    assert.ok(seconds >= 2.5 && seconds < 10, `answered after ${seconds.toFixed(1)} s`);
    assert.equal(body?.jsonrpc, "2.0");
    assert.match(body?.error?.message ?? "", /Request Timeout/);
    assert.ok(proxy.alive());
  });

  test("a request head over the limit gets 431 with a JSON-RPC error body, and the connection closes", async () => {
    const raw = await exchange(
      Number(proxy.base.port),
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Big: ${"a".repeat(17_000)}\r\n` +
        `Content-Length: 2\r\n\r\n{}`,
    );
    assert.match(raw, /^HTTP\/1\.1 431 /);
    // Past 16 KiB Bun answers by itself, without a body; below it (`--max-header-bytes`) mcpwire answers
    // with one on both runtimes (lib/runtime/serve_test.ts).
    if (RUNTIME === "deno") {
      const body = JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4));
      assert.equal(body.jsonrpc, "2.0");
      assert.equal(body.id, null);
      assert.equal(body.error.code, -32600);
    }
    assert.ok(proxy.alive());
  });

  test("audit lines carry the client's real address, whatever internal header the client sends", async () => {
    const r = await fetch(proxy.base, {
      method: "POST",
      headers: { ...postHeaders(), origin: "http://evil.example", "x-mcpwire-peer": "forged 10.0.0.1:1" },
      body: JSON.stringify(initRequest()),
    });
    assert.equal(r.status, 403, await r.text());
    let line: { audit: string; peer?: string } | undefined;
    for (let i = 0; i < 40 && !line; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      line = readFileSync(auditLog, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l))
        .find((l) => l.audit === "origin_rejected");
    }
    assert.ok(line, "an origin_rejected audit line");
    assert.match(line.peer ?? "", /^127\.0\.0\.1:\d+$/);
  });

  test("2,000 idle TCP connections do not stop a normal SDK client", { timeout: 60_000 }, async () => {
    // The test process needs 2,000 descriptors for its own sockets (the runtime raised its soft limit to
    // the hard one); mcpwire sizes itself from its own limit, which its log line shows.
    assert.ok(softOpenFiles("self") >= 2_200, `this test needs an open-file limit of 2,200 (${softOpenFiles("self")})`);
    const shown = Number(/open files: ([\d,]+)/.exec(proxy.stderr())?.[1]?.replaceAll(",", "") ?? 0);
    assert.ok(shown >= 2_200, `mcpwire's open-file limit: ${proxy.stderr()}`);
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
      const started = performance.now();
      assert.match(await normalSession(proxy.base), /still here/);
      assert.ok(performance.now() - started < 5_000, "the session was served without waiting for the idle ones");
      assert.ok(proxy.alive());
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
});
