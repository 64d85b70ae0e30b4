/**
 * `serve` on the runtime running the test: the request-head limits (`headerTimeoutMs`, `maxHeaderBytes`),
 * the client's address (`peerOf`), and, on Deno, that the header-deadline front hands every request of a
 * kept-alive connection on intact (Content-Length and chunked bodies) and refuses ambiguous framing.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { isLoopbackAddress, serve, type Server, usesHeaderFront } from "./serve.ts";
import { peerOf } from "../security/caller.ts";
import { chunkSize, headEnd, rewriteHead } from "./request_head.ts";

const RUNTIME = (globalThis as { Bun?: unknown }).Bun ? "bun" : "deno";

/** Writes `parts` (with `gapMs` between them), collects the answer until close or `untilResponses` 200s. */
function raw(port: number, parts: string[], { gapMs = 0, untilResponses = 0, limitMs = 5_000 } = {}): Promise<{
  text: string;
  closedAfterMs: number;
}> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    const end = () => {
      clearTimeout(limit);
      socket.destroy();
      resolve({ text, closedAfterMs: performance.now() - started });
    };
    const limit = setTimeout(end, limitMs);
    socket.on("connect", async () => {
      for (const part of parts) {
        if (socket.destroyed) return;
        socket.write(part);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
    socket.on("data", (d) => {
      text += d.toString("latin1");
      if (untilResponses && (text.match(/HTTP\/1\.1 200/g) ?? []).length >= untilResponses) end();
    });
    socket.on("close", end);
    socket.on("error", () => {});
  });
}

describe(`serve on ${RUNTIME}: request heads and the client's address`, () => {
  let server: Server;
  before(async () => {
    server = await serve(async (request) => {
      const body = await request.text();
      return Response.json({ peer: peerOf(request) ?? null, body, url: request.url });
    }, { port: 0, headerTimeoutMs: 1_000, maxHeaderBytes: 8_192, headerFront: true });
  });
  after(async () => {
    await server.close();
  });

  test("every request knows the client's address, and a client-sent x-mcpwire-peer changes nothing", async () => {
    const url = new URL("/mcp?x=1", server.url);
    const r = await fetch(url, {
      method: "POST",
      body: "hi",
      headers: { "x-mcpwire-peer": "forged 10.0.0.1:1" },
    });
    const json = await r.json();
    assert.equal(r.status, 200);
    assert.match(json.peer, /^127\.0\.0\.1:\d+$/);
    assert.equal(json.body, "hi");
    // The URL the client asked for, on the front's port (not the server's behind it).
    assert.equal(json.url, url.href);
  });

  test("a request head over maxHeaderBytes gets 431 with a JSON-RPC error body", async () => {
    const r = await fetch(server.url, { headers: { "x-big": "a".repeat(10_000) } });
    assert.equal(r.status, 431);
    const body = await r.json();
    assert.equal(body.id, null);
    assert.equal(body.error.code, -32600);
    assert.match(body.error.message, /8192 bytes/);
  });

  test("a head just under maxHeaderBytes is served", async () => {
    const r = await fetch(server.url, { headers: { "x-big": "a".repeat(7_000) } });
    assert.equal(r.status, 200);
    await r.body?.cancel();
  });

  test("a head trickled past headerTimeoutMs is cut off (Deno; Bun keeps its own ~10 s)", {
    skip: RUNTIME === "bun"
      ? "Bun.serve takes no header deadline: its own cuts at about 10 s (slow_clients_e2e_test.ts)"
      : false,
  }, async () => {
    const parts = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".split("");
    const { text, closedAfterMs } = await raw(server.port, parts, { gapMs: 100 });
    assert.equal(text, "", "nothing answered to a head that never ended");
    assert.ok(closedAfterMs >= 900 && closedAfterMs < 2_500, `closed after ${closedAfterMs} ms`);
  });

  test("an idle connection that never sends a head is closed at the deadline (Deno)", {
    skip: RUNTIME === "bun" ? "Bun closes idle connections after its idle timeout (serve.ts)" : false,
  }, async () => {
    const { closedAfterMs } = await raw(server.port, []);
    assert.ok(closedAfterMs >= 900 && closedAfterMs < 2_500, `closed after ${closedAfterMs} ms`);
  });

  test("a kept-alive connection carries a Content-Length request, then a chunked one, both intact", async () => {
    const { text } = await raw(server.port, [
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Mcpwire-Peer: forged\r\n\r\n2\r\nhi\r\n3;e=1\r\n!!!\r\n0\r\n\r\n",
    ], { gapMs: 50, untilResponses: 2 });
    const bodies = text.split("HTTP/1.1 200").slice(1).map((r) => JSON.parse(r.slice(r.indexOf("\r\n\r\n") + 4)));
    assert.deepEqual(bodies.map((b) => b.body), ["abc", "hi!!!"]);
    assert.equal(bodies[0].peer, bodies[1].peer, "the same connection, the same address");
  });

  test("a later head on a kept-alive connection is held to the deadline from its first byte (Deno)", {
    skip: RUNTIME === "bun" ? "Bun.serve takes no header deadline" : false,
  }, async () => {
    const later = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa".split("");
    const { text, closedAfterMs } = await raw(server.port, ["GET / HTTP/1.1\r\nHost: x\r\n\r\n", ...later], {
      gapMs: 100,
    });
    assert.equal((text.match(/HTTP\/1\.1 200/g) ?? []).length, 1, "the first request was answered");
    assert.ok(closedAfterMs < 3_000, `closed after ${closedAfterMs} ms`);
  });

  test("a head with both Content-Length and Transfer-Encoding is refused (request smuggling)", async () => {
    const { text } = await raw(server.port, [
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ]);
    assert.match(text, /^HTTP\/1\.1 400 /);
  });
});

test("request heads: where they end, what is refused, and the peer header replaced", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.equal(headEnd(enc("GET / HTTP/1.1\r\nA: b\r\n")), -1);
  assert.equal(headEnd(enc("GET / HTTP/1.1\r\n\r\nbody")), 18);
  const ok = rewriteHead(enc("POST / HTTP/1.1\r\nX-Mcpwire-Peer-2: x\r\nContent-Length: 5\r\n\r\n"), "t 1.2.3.4:5");
  assert.ok("bytes" in ok);
  assert.equal(
    new TextDecoder().decode(ok.bytes),
    "POST / HTTP/1.1\r\nContent-Length: 5\r\nx-mcpwire-peer: t 1.2.3.4:5\r\n\r\n",
  );
  assert.deepEqual(ok.framing, { kind: "length", bytes: 5 });
  const refused = (head: string) => {
    const out = rewriteHead(enc(head + "\r\n\r\n"), "t");
    return "status" in out ? out.status : 0;
  };
  assert.equal(refused("GET / HTTP/1.1\r\nA: b\nC: d"), 400, "bare LF");
  assert.equal(refused("GET / HTTP/1.1\r\nA: b\r\n folded"), 400, "obsolete line folding");
  assert.equal(refused("GET / HTTP/1.1\r\nA : b"), 400, "space before the colon");
  assert.equal(refused("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2"), 400);
  assert.equal(refused("GET / HTTP/1.1\r\nContent-Length: -1"), 400);
  assert.equal(refused("GET / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked"), 501);
  assert.equal(refused("GET / HTTP/2.0"), 400);
  assert.equal(refused("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1"), 0, "repeated equal lengths");
  assert.equal(chunkSize("ff; name=value"), 255);
  assert.equal(chunkSize("0x1"), -1);
});

test("the header-deadline front guards non-loopback binds by default, loopback ones when asked", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) assert.ok(isLoopbackAddress(h), h);
  for (const h of ["0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "example.com"]) assert.ok(!isLoopbackAddress(h), h);
  const deno = RUNTIME === "deno";
  assert.equal(usesHeaderFront({ hostname: "0.0.0.0" }), deno);
  assert.equal(usesHeaderFront({ hostname: "::" }), deno);
  assert.equal(usesHeaderFront({ hostname: "127.0.0.1" }), false);
  assert.equal(usesHeaderFront({}), false, "the default bind is loopback");
  assert.equal(usesHeaderFront({ hostname: "127.0.0.1", headerFront: true }), deno);
  assert.equal(usesHeaderFront({ hostname: "0.0.0.0", headerFront: false }), false);
});
