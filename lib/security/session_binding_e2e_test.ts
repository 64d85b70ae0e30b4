/**
 * Session binding across replicas and credential forwarding, with two in-process reverse proxies sharing
 * one session store (as two `mcpwire reverse --store redis://…` replicas do) in front of server-everything
 * behind a header tap.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type HttpChild, postHeaders, type ServedProxy, serveProxy, startEverything } from "../../testing/e2e.ts";
import { type HeaderTap, startHeaderTap } from "../../testing/cli_proxy.ts";
import { initRequest } from "../../testing/messages.ts";
import { InMemoryEventStore } from "../stores/event_store.ts";
import { InMemorySessionStore } from "../stores/session_store.ts";
import { hashApiKey, parseApiKeyFile } from "./api_keys.ts";

const ALICE = { "x-api-key": "alice-secret" };
const BOB = { "x-api-key": "bob-secret" };

async function post(endpoint: URL, headers: Record<string, string>, body: unknown): Promise<Response> {
  return await fetch(endpoint, { method: "POST", headers: postHeaders(headers), body: JSON.stringify(body) });
}

describe("sessions bound to their caller across replicas", () => {
  let everything: HttpChild;
  let tap: HeaderTap;
  let a: ServedProxy;
  let b: ServedProxy;
  let forwarding: ServedProxy;
  const sessionStore = new InMemorySessionStore();
  const eventStore = new InMemoryEventStore();

  before(async () => {
    everything = await startEverything("streamableHttp");
    tap = await startHeaderTap(everything.url);
    const apiKeys = parseApiKeyFile(`alice ${await hashApiKey("alice-secret")}\nbob ${await hashApiKey("bob-secret")}`);
    const upstream = new URL("/mcp", tap.url).href;
    [a, b, forwarding] = await Promise.all([
      serveProxy({ upstream, auth: { apiKeys }, sessionStore, eventStore }),
      serveProxy({ upstream, auth: { apiKeys }, sessionStore, eventStore }),
      serveProxy({ upstream, auth: { apiKeys, forwardCredentials: true } }),
    ]);
  });

  after(async () => {
    await Promise.all([a?.close(), b?.close(), forwarding?.close()]);
    await tap?.close();
    await everything?.close();
  });

  it("the record keeps the caller; on the other replica only that caller gets the session", async () => {
    const init = await post(a.endpoint, ALICE, initRequest());
    assert.equal(init.status, 200);
    await init.body?.cancel();
    const id = init.headers.get("mcp-session-id")!;
    assert.equal((await sessionStore.get(id))?.caller, "alice");
    const headers = (who: Record<string, string>) => ({
      ...who,
      "mcp-session-id": id,
      "mcp-protocol-version": "2025-11-25",
    });
    const ping = { jsonrpc: "2.0", id: 2, method: "ping" };
    const stolen = await post(b.endpoint, headers(BOB), ping);
    assert.equal(stolen.status, 404);
    assert.equal((await stolen.json()).error.message, "Session not found");
    const own = await post(b.endpoint, headers(ALICE), ping);
    assert.equal(own.status, 200);
    assert.match(await own.text(), /"result"/);
    assert.ok(tap.seen.every((h) => h.get("x-api-key") === null), "no replica forwards the consumed key");
  });

  it("--forward-client-credentials passes the client's key upstream", async () => {
    const before = tap.seen.length;
    const init = await post(forwarding.endpoint, ALICE, initRequest());
    assert.equal(init.status, 200);
    await init.body?.cancel();
    const seen = tap.seen.slice(before);
    assert.ok(seen.length > 0);
    assert.ok(seen.every((h) => h.get("x-api-key") === "alice-secret"));
  });
});
