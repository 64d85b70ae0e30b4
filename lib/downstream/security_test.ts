/**
 * DNS-rebinding defences and CORS of the reverse proxy (T-SEC-01..04, docs/field-notes.md item 13).
 */
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createReverseProxy, type ReverseProxy, type ReverseProxyOptions } from "../proxy/reverse.ts";
import { exampleUpstream } from "../../testing/downstream.ts";
import { createSecurityCheck, isLoopbackHost } from "./security.ts";
import { HttpError } from "./errors.ts";

let proxies: ReverseProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  proxies = [];
});

function proxyWith(options: Partial<ReverseProxyOptions> = {}): ReverseProxy {
  const proxy = createReverseProxy({ upstream: exampleUpstream(), ...options });
  proxies.push(proxy);
  return proxy;
}

function initialize(headers: Record<string, string> = {}, url = "http://127.0.0.1:8080/mcp"): Request {
  return new Request(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } },
    }),
  });
}

describe("Origin (T-SEC-01/02/03)", () => {
  test("a foreign Origin gets exactly 403 with a JSON-RPC error, on POST, GET and DELETE", async () => {
    const proxy = proxyWith();
    for (const method of ["POST", "GET", "DELETE"]) {
      const request = method === "POST"
        ? initialize({ origin: "http://evil.example" })
        : new Request("http://127.0.0.1:8080/mcp", {
          method,
          headers: { origin: "http://evil.example", accept: "text/event-stream" },
        });
      const r = await proxy.fetch(request);
      assert.equal(r.status, 403, method);
      const body = await r.json();
      assert.equal(body.jsonrpc, "2.0");
      assert.ok(!("id" in body));
    }
  });

  test("requests without Origin, and loopback or same-origin Origins, work", async () => {
    const proxy = proxyWith();
    for (
      const headers of [{}, { origin: "http://localhost:3000" }, { origin: "http://127.0.0.1:8080" }] as Record<
        string,
        string
      >[]
    ) {
      const r = await proxy.fetch(initialize(headers));
      assert.equal(r.status, 200, JSON.stringify(headers));
      await r.body?.cancel();
    }
  });

  test("an allowlisted Origin works; * allows every Origin", async () => {
    const listed = proxyWith({ allowedOrigins: ["https://app.example"] });
    const ok = await listed.fetch(initialize({ origin: "https://app.example" }));
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    const other = await listed.fetch(initialize({ origin: "https://other.example" }));
    assert.equal(other.status, 403);
    await other.body?.cancel();
    const all = proxyWith({ allowedOrigins: ["*"] });
    const any = await all.fetch(initialize({ origin: "https://whatever.example" }));
    assert.equal(any.status, 200);
    await any.body?.cancel();
  });
});

describe("Host on a loopback bind (T-SEC-04)", () => {
  test("a foreign Host gets 403; loopback names pass", async () => {
    const proxy = proxyWith();
    const evil = await proxy.fetch(initialize({}, "http://evil.example/mcp"));
    assert.equal(evil.status, 403);
    await evil.body?.cancel();
    for (const host of ["localhost:8080", "127.0.0.1", "[::1]:8080"]) {
      assert.ok(isLoopbackHost(host.replace(/:\d+$/, "")), host);
    }
    const check = createSecurityCheck();
    assert.throws(() => check(new Request("http://x/mcp", { headers: { host: "evil.example:80" } })), HttpError);
    check(new Request("http://x/mcp", { headers: { host: "[::1]:9" } }));
  });

  test("allowed hosts and non-loopback binds are configurable", async () => {
    const listed = proxyWith({ allowedHosts: ["mcp.internal"] });
    const ok = await listed.fetch(initialize({}, "http://mcp.internal:8080/mcp"));
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    const open = proxyWith({ loopbackOnly: false });
    const any = await open.fetch(initialize({}, "http://public.example/mcp"));
    assert.equal(any.status, 200);
    await any.body?.cancel();
  });
});

describe("CORS (docs/field-notes.md item 13)", () => {
  test("a preflight allows every MCP request header", async () => {
    const proxy = proxyWith();
    const r = await proxy.fetch(
      new Request("http://127.0.0.1:8080/mcp", {
        method: "OPTIONS",
        headers: {
          origin: "http://localhost:5173",
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type, mcp-session-id, mcp-protocol-version, last-event-id",
        },
      }),
    );
    assert.ok(r.status === 204 || r.status === 200);
    const allowed = (r.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    for (const h of ["mcp-session-id", "mcp-protocol-version", "last-event-id", "authorization"]) {
      assert.ok(allowed.includes(h), h);
    }
    assert.equal(r.headers.get("access-control-allow-origin"), "http://localhost:5173");
  });

  test("responses expose Mcp-Session-Id and MCP-Protocol-Version to browser scripts", async () => {
    const proxy = proxyWith();
    const r = await proxy.fetch(initialize({ origin: "http://localhost:5173" }));
    const exposed = (r.headers.get("access-control-expose-headers") ?? "").toLowerCase();
    assert.ok(exposed.includes("mcp-session-id"));
    assert.ok(exposed.includes("mcp-protocol-version"));
    assert.equal(r.headers.get("access-control-allow-origin"), "http://localhost:5173");
    await r.body?.cancel();
  });
});
