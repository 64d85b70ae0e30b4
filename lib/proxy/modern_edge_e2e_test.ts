/**
 * Raw-HTTP probes of the 2026-07-28 edge of `createReverseProxy` in front of the real 2.x SDK server:
 * header checks answered by mcpwire itself (T-PV-06, T-PV-07, T-PV-09, T-PV-10, T-PV-12), headers and
 * `_meta` forwarded unchanged (T-PV-11), no session id (T-SESS-10), SSE with `X-Accel-Buffering: no`
 * (T-POST-13), and cancellation by closing the response stream (T-POST-10).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ServedProxy, serveProxy } from "../../testing/e2e.ts";
import { modernHeaders, modernRequest, type ModernServer, startModernServer } from "../../testing/modern.ts";
import { encodeHeaderValue } from "../protocol/headers.ts";

describe("the 2026-07-28 edge of the reverse proxy", () => {
  let upstream: ModernServer;
  let served: ServedProxy;
  before(async () => {
    upstream = await startModernServer();
    served = await serveProxy({ upstream: upstream.endpoint.href });
  });
  after(async () => {
    await served?.close();
    await upstream?.close();
  });

  const post = (headers: Record<string, string>, body: unknown) =>
    fetch(served.endpoint, { method: "POST", headers, body: JSON.stringify(body) });
  const upstreamSaw = async (id: unknown) => (await upstream.log()).requests.filter((r) => r.body?.id === id);

  test("T-PV-09: Mcp-Method disagreeing with the body → 400/-32020, nothing sent upstream", async () => {
    const response = await post(modernHeaders("tools/list"), modernRequest("server/discover", {}, "wrong-method"));
    assert.equal(response.status, 400);
    const body = await response.json();
    assert.equal(body.error.code, -32020);
    assert.equal(body.id, "wrong-method");
    assert.deepEqual(await upstreamSaw("wrong-method"), []);
  });

  test("T-PV-09: Mcp-Name missing or wrong on tools/call → 400/-32020; Base64-encoded and right → served", async () => {
    const call = (id: string) => modernRequest("tools/call", { name: "echo", arguments: { message: "x" } }, id);
    const missing = await post(modernHeaders("tools/call"), call("no-name"));
    assert.equal(missing.status, 400);
    assert.equal((await missing.json()).error.code, -32020);
    const wrong = await post(modernHeaders("tools/call", { "mcp-name": "ech0" }), call("bad-name"));
    assert.equal((await wrong.json()).error.code, -32020);
    const encoded = await post(
      modernHeaders("tools/call", { "mcp-name": `=?base64?${btoa("echo")}?=` }),
      call("b64-name"),
    );
    assert.equal(encoded.status, 200, await encoded.clone().text());
    assert.equal((await encoded.json()).result.content[0].text, "Echo: x");
  });

  test("T-PV-07: an unsupported version → 400/-32022 with supported and requested", async () => {
    const request = modernRequest("server/discover", {}, "old");
    (request.params._meta as Record<string, unknown>)["io.modelcontextprotocol/protocolVersion"] = "1900-01-01";
    const response = await post(modernHeaders("server/discover", { "mcp-protocol-version": "1900-01-01" }), request);
    assert.equal(response.status, 400);
    const body = await response.json();
    assert.equal(body.error.code, -32022);
    assert.deepEqual(body.error.data, { supported: ["2026-07-28"], requested: "1900-01-01" });
  });

  test("T-PV-06: header and _meta versions disagree → 400/-32020; T-PV-12: no clientCapabilities → 400/-32602", async () => {
    const mismatch = modernRequest("server/discover", {}, "mismatch");
    (mismatch.params._meta as Record<string, unknown>)["io.modelcontextprotocol/protocolVersion"] = "v999";
    const a = await post(modernHeaders("server/discover"), mismatch);
    assert.equal(a.status, 400);
    assert.equal((await a.json()).error.code, -32020);
    const bare = modernRequest("server/discover", {}, "bare");
    delete (bare.params._meta as Record<string, unknown>)["io.modelcontextprotocol/clientCapabilities"];
    const b = await post(modernHeaders("server/discover"), bare);
    assert.equal(b.status, 400);
    assert.equal((await b.json()).error.code, -32602);
  });

  test("T-PV-11: Mcp-Param-* (known and unknown), Mcp-Name and _meta traceparent reach the upstream unchanged", async () => {
    const request = modernRequest("tools/call", { name: "region", arguments: { region: "us-west1" } }, "params");
    (request.params._meta as Record<string, unknown>).traceparent =
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const headers = modernHeaders("tools/call", {
      "mcp-name": "region",
      "mcp-param-region": "us-west1",
      "mcp-param-x-custom": encodeHeaderValue("Grüße, 世界"),
      "mcp-session-id": "ignored-T-SESS-10",
    });
    const response = await post(headers, request);
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(response.headers.get("mcp-session-id"), null);
    assert.equal((await response.json()).result.content[0].text, "region us-west1");
    const [seen] = await upstreamSaw("params");
    assert.ok(seen, "the upstream saw the request");
    assert.equal(seen.headers["mcp-param-region"], "us-west1");
    assert.equal(seen.headers["mcp-param-x-custom"], "=?base64?R3LDvMOfZSwg5LiW55WM?=");
    assert.equal(seen.headers["mcp-method"], "tools/call");
    assert.equal(seen.headers["mcp-name"], "region");
    assert.equal(seen.headers["mcp-protocol-version"], "2026-07-28");
    assert.equal(seen.headers["mcp-session-id"], undefined);
    assert.deepEqual(seen.body, request);
  });

  test("T-POST-13, T-POST-10: SSE answers stream with X-Accel-Buffering; closing the stream cancels upstream", {
    timeout: 20_000,
  }, async () => {
    const before = await upstream.log();
    const request = modernRequest("tools/call", { name: "slow", arguments: { steps: 30, stepMs: 100 } }, "slow");
    (request.params._meta as Record<string, unknown>).progressToken = "p1";
    const aborter = new AbortController();
    const response = await fetch(served.endpoint, {
      method: "POST",
      headers: modernHeaders("tools/call", { "mcp-name": "slow" }),
      body: JSON.stringify(request),
      signal: aborter.signal,
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    assert.equal(response.headers.get("x-accel-buffering"), "no");
    assert.equal(response.headers.get("mcp-session-id"), null);
    const reader = response.body!.getReader();
    let text = "";
    while (!text.includes("notifications/progress")) text += new TextDecoder().decode((await reader.read()).value);
    aborter.abort();
    await reader.cancel().catch(() => {});
    // The upstream's response stream was closed long before the tool's 3 s were over, and it never finished.
    const deadline = Date.now() + 2_000;
    let log = await upstream.log();
    while (log.closedEarly === before.closedEarly && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      log = await upstream.log();
    }
    assert.equal(log.closedEarly, before.closedEarly + 1, "the upstream saw its stream closed");
    await new Promise((r) => setTimeout(r, 3_500));
    assert.equal((await upstream.log()).finished, before.finished, "the slow tool never ran to its end");
  });

  test("subscriptions/listen passes through: acknowledgement first, then change notifications, stream open", {
    timeout: 20_000,
  }, async () => {
    const request = modernRequest("subscriptions/listen", { notifications: { toolsListChanged: true } }, "listen");
    const aborter = new AbortController();
    const response = await fetch(served.endpoint, {
      method: "POST",
      headers: modernHeaders("subscriptions/listen"),
      body: JSON.stringify(request),
      signal: aborter.signal,
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const until = async (needle: string) => {
      while (!text.includes(needle)) text += (await reader.read()).value ?? "";
    };
    await until("notifications/subscriptions/acknowledged");
    assert.ok(!text.includes("list_changed"));
    await upstream.toolsChanged();
    await until("notifications/tools/list_changed");
    assert.ok(text.indexOf("acknowledged") < text.indexOf("list_changed"));
    aborter.abort();
    await reader.cancel().catch(() => {});
  });

  test("T-BC-04: initialize still starts a 2025 session next to modern requests", async () => {
    const legacy = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    const init = await post(legacy, {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    });
    assert.equal(init.status, 200);
    const session = init.headers.get("mcp-session-id");
    assert.ok(session);
    await init.body?.cancel();
    const headers = { ...legacy, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
    const list = await post(headers, { jsonrpc: "2.0", id: 2, method: "tools/list" });
    assert.equal(list.status, 200);
    assert.match(await list.text(), /"echo"/);
  });
});
