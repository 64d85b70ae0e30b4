/**
 * The 2026-07-28 path of the Streamable HTTP endpoint, in process (an injected `fetch` as the upstream):
 * recognition (T-BC-04), the era gate (T-BC-03), notifications (T-POST-15), the modern-only configuration
 * (T-GET-06, T-LIFE-05), and the header helpers (T-PV-10).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createStreamableHttpEndpoint } from "./streamable_http.ts";
import { streamableHttpUpstream } from "../upstream/streamable_http.ts";
import { createEraCache, eraOfReply } from "../upstream/era.ts";
import { decodeHeaderValue, encodeHeaderValue } from "../protocol/headers.ts";
import { isModernPost } from "./modern_post.ts";
import type { Envelope } from "../protocol/envelope.ts";
import { modernHeaders, modernRequest } from "../../testing/modern.ts";

/** An upstream answering every POST with `answer`, recording what it got. */
function fakeUpstream(answer: (body: { method?: string; id?: unknown }) => Response) {
  const seen: { headers: Headers; body: { method?: string; id?: unknown } }[] = [];
  const fetch = (_url: string | URL | Request, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body ?? "null"));
    seen.push({ headers: new Headers(init?.headers), body });
    return Promise.resolve(answer(body));
  };
  return {
    seen,
    upstream: streamableHttpUpstream({ url: "http://upstream.test/mcp", fetch: fetch as typeof globalThis.fetch }),
  };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const discovered = (id: unknown) =>
  json({ jsonrpc: "2.0", id, result: { supportedVersions: ["2026-07-28"], capabilities: {} } });
const post = (headers: Record<string, string>, body: unknown) =>
  new Request("http://127.0.0.1/mcp", { method: "POST", headers, body: JSON.stringify(body) });

describe("the 2026-07-28 path of the endpoint", () => {
  test("recognises modern POSTs by _meta, or by the version header without a session; never initialize", () => {
    const h = (extra: Record<string, string> = {}) => new Headers({ "mcp-protocol-version": "2026-07-28", ...extra });
    assert.ok(isModernPost(new Headers(), modernRequest("tools/list")));
    assert.ok(isModernPost(h(), { jsonrpc: "2.0", id: 1, method: "tools/list" }));
    assert.ok(!isModernPost(h({ "mcp-session-id": "s" }), { jsonrpc: "2.0", id: 1, method: "tools/list" }));
    assert.ok(
      !isModernPost(new Headers({ "mcp-protocol-version": "2025-11-25" }), { jsonrpc: "2.0", id: 1, method: "ping" }),
    );
    assert.ok(!isModernPost(h(), { ...modernRequest("initialize"), method: "initialize" }));
    assert.ok(!isModernPost(h(), { jsonrpc: "2.0", id: 1, result: {} }));
  });

  test("a modern request goes upstream as it is, answered as JSON, observed without a session", async () => {
    const { seen, upstream } = fakeUpstream((b) => discovered(b.id));
    const envelopes: Envelope[] = [];
    const endpoint = createStreamableHttpEndpoint({ upstream, onMessage: (e) => envelopes.push(e) });
    const request = modernRequest("server/discover", {}, "d1");
    const response = await endpoint.handle(post(modernHeaders("server/discover", { "last-event-id": "9" }), request));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("mcp-session-id"), null);
    assert.deepEqual((await response.json()).result.supportedVersions, ["2026-07-28"]);
    assert.deepEqual(seen[0]!.body, request);
    assert.equal(seen[0]!.headers.get("mcp-method"), "server/discover");
    assert.equal(seen[0]!.headers.get("last-event-id"), null, "T-RES-07: Last-Event-ID is not forwarded");
    assert.deepEqual(envelopes.map((e) => [e.direction, e.sessionId, e.revision]), [
      ["client-to-server", undefined, "2026-07-28"],
      ["server-to-client", undefined, "2026-07-28"],
    ]);
    assert.equal(endpoint.stats().sessions, 0);
    await endpoint.close();
  });

  test("T-BC-03: once the upstream answered like a 2025 server, modern requests are bridged (issue 13)", async () => {
    const { seen, upstream } = fakeUpstream((b) => {
      if (b.method === "initialize") {
        const result = {
          protocolVersion: "2025-06-18",
          capabilities: { tools: {} },
          serverInfo: { name: "old", version: "1" },
        };
        return json({ jsonrpc: "2.0", id: b.id, result });
      }
      if (b.method === "notifications/initialized") return new Response(null, { status: 202 });
      return json(
        { jsonrpc: "2.0", error: { code: -32000, message: "Bad Request: No valid session ID provided" } },
        400,
      );
    });
    const era = createEraCache("auto");
    const endpoint = createStreamableHttpEndpoint({ upstream, era });
    const first = await endpoint.handle(post(modernHeaders("server/discover"), modernRequest("server/discover")));
    assert.equal(first.status, 200);
    const discovered = await first.json();
    assert.deepEqual(discovered.result.supportedVersions, ["2026-07-28"]);
    assert.deepEqual(discovered.result.capabilities, { tools: {} });
    assert.equal(era.era, "2025");
    const second = await endpoint.handle(
      post(modernHeaders("server/discover"), modernRequest("server/discover", {}, 7)),
    );
    assert.equal(second.status, 200);
    assert.equal((await second.json()).id, 7);
    const methods = seen.filter((s) => s.body !== null).map((s) => s.body.method); // not the standalone GET
    assert.deepEqual(
      methods,
      ["server/discover", "initialize", "notifications/initialized"],
      "the probe once, one session",
    );
    await endpoint.close();
  });

  test("T-POST-15: a modern notification accepted upstream is 202 with no body", async () => {
    const { upstream } = fakeUpstream(() => new Response(null, { status: 202 }));
    const endpoint = createStreamableHttpEndpoint({ upstream });
    const note = { jsonrpc: "2.0", method: "notifications/cancelled", params: modernRequest("x").params };
    const response = await endpoint.handle(post(modernHeaders("notifications/cancelled"), note));
    assert.equal(response.status, 202);
    assert.equal(await response.text(), "");
    await endpoint.close();
  });

  test("T-GET-06, T-LIFE-05: a modern-only endpoint answers GET/DELETE 405 and initialize 400/-32022", async () => {
    const { upstream } = fakeUpstream((b) => discovered(b.id));
    const endpoint = createStreamableHttpEndpoint({ upstream, modernOnly: true });
    for (const method of ["GET", "DELETE"]) {
      const response = await endpoint.handle(new Request("http://127.0.0.1/mcp", { method }));
      assert.equal(response.status, 405);
      assert.equal(response.headers.get("allow"), "POST");
    }
    const init = await endpoint.handle(post(modernHeaders("initialize"), {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }));
    assert.equal(init.status, 400);
    const body = await init.json();
    assert.equal(body.error.code, -32022);
    assert.deepEqual(body.error.data.supported, ["2026-07-28"]);
    await endpoint.close();
  });
});

describe("era and header helpers", () => {
  test("eraOfReply reads modern error bodies (T-BC-03) and 404 + -32601 (T-RPC-05)", async () => {
    const http = (status: number, code?: number) => ({
      type: "http" as const,
      response: code === undefined
        ? new Response("", { status })
        : json({ jsonrpc: "2.0", error: { code, message: "m" } }, status),
    });
    assert.equal(await eraOfReply(http(400, -32022)), "2026-07-28");
    assert.equal(await eraOfReply(http(400, -32020)), "2026-07-28");
    assert.equal(await eraOfReply(http(404, -32601)), "2026-07-28");
    assert.equal(await eraOfReply(http(400, -32000)), "2025");
    assert.equal(await eraOfReply(http(404)), "2025");
    assert.equal(await eraOfReply(http(405)), "2025");
    assert.equal(await eraOfReply(http(401)), "unknown");
    assert.equal(await eraOfReply(http(503)), "unknown");
    const forced = createEraCache("2026-07-28");
    await forced.learn(http(405));
    forced.set("2025");
    assert.equal(forced.era, "2026-07-28");
  });

  test("T-PV-10: the Base64 sentinel round-trips; invalid values are refused", () => {
    for (const text of ["us-west1", "Hello, 世界", " padded ", "line1\nline2", "=?base64?literal?="]) {
      assert.equal(decodeHeaderValue(encodeHeaderValue(text)), text, text);
    }
    assert.equal(encodeHeaderValue("=?base64?literal?="), "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=");
    assert.equal(decodeHeaderValue("=?base64?!!?="), undefined);
    assert.equal(decodeHeaderValue("caf\u00e9"), undefined);
  });
});
