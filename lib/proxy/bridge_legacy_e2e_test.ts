/**
 * End to end, a 2025-era client in front of a 2026-07-28 (stateless) upstream: the real 1.x SDK client
 * (Streamable HTTP sessions, and the legacy HTTP+SSE transport on `/sse`) through `mcpwire reverse --record`
 * (cli.ts on the runtime running the tests, as the README runs it) in front of the real 2.x server. mcpwire
 * holds the session; every request reaches the upstream self-contained (docs/bridging.md): tools, progress,
 * resources, the standalone stream fed by `subscriptions/listen`, an InputRequiredResult round as an
 * elicitation, a cancelled call. The tape shows both hops.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { SSEClientTransport, StreamableHTTPClientTransport } from "../../testing/deps.ts";
import { bridgedClient, type BridgedReverse, checkSession, startBridgedReverse } from "../../testing/bridge.ts";
import { parseTape, type TapeMessage } from "../record/tape.ts";

describe("1.x client → mcpwire reverse → 2026-07-28 server", () => {
  let bridge: BridgedReverse;
  before(async () => {
    bridge = await startBridgedReverse();
  });
  after(async () => {
    await bridge?.close();
  });

  const faces = [
    ["Streamable HTTP", (endpoint: URL) => new StreamableHTTPClientTransport(endpoint)],
    ["legacy HTTP+SSE", (endpoint: URL) => new SSEClientTransport(new URL("/sse", endpoint))],
  ] as const;
  for (const [face, transport] of faces) {
    test(`${face}: tools, progress, resources, notifications, elicitation, cancellation`, {
      timeout: 60_000,
    }, async () => {
      const bridged = bridgedClient(`bridge-${face}`);
      await bridged.client.connect(transport(bridge.reverse.endpoint));
      try {
        await checkSession(bridged, bridge.server);
      } finally {
        await bridged.client.close();
      }
    });
  }

  test("the tape shows both hops of a bridged session", { timeout: 30_000 }, async () => {
    const bridged = bridgedClient("bridge-tape");
    await bridged.client.connect(new StreamableHTTPClientTransport(bridge.reverse.endpoint));
    await bridged.client.callTool({ name: "echo", arguments: { message: "taped" } });
    await bridged.client.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const messages = parseTape(await readFile(bridge.tape, "utf8")).records.filter((r): r is TapeMessage =>
      r.type === "message"
    );
    const init = messages.findLast((m) => "method" in m.message && m.message.method === "initialize")!;
    const session = messages.filter((m) => m.session === init.session);
    const calls = session.filter((m) => JSON.stringify(m.message).includes("taped"));
    const eras = calls.map((m) => [m.direction, m.revision]);
    assert.deepEqual(eras.filter(([d]) => d === "client-to-server").map(([, r]) => r).sort(), [
      "2025-11-25",
      "2026-07-28",
    ], "the call on the client's hop (2025-11-25) and on the upstream hop (2026-07-28)");
    const discover = session.find((m) => "method" in m.message && m.message.method === "server/discover");
    assert.equal(discover?.revision, "2026-07-28", "the upstream hop's server/discover is on the tape");
  });
});
