/**
 * Failover end to end (issue 14): three `mcpwire reverse --store redis://…` replicas started as the README
 * runs them, one real redis-server, and real nginx from Debian running `deploy/nginx.conf` (round robin,
 * buffering off) in front. A real SDK 1.x client (StreamableHTTPClientTransport, which resumes with
 * `Last-Event-ID`, T-RES-02) holds a GET stream and runs server-everything's long-running tool with progress
 * notifications; the replica serving that call is SIGKILLed mid-stream. The client must see every progress
 * notification and the result exactly once, and its next calls must succeed. Once with an HTTP upstream,
 * once with a stdio upstream (each replica then starts its own child, re-initialized from the recorded
 * `initialize`, T-SESS-07).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { EVERYTHING, type HttpChild, startEverything } from "../../testing/e2e.ts";
import { Client, StreamableHTTPClientTransport } from "../../testing/deps.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "../../testing/redis_server.ts";
import { type Balancer, NGINX, startBalancer } from "../../testing/nginx.ts";
import { type Replica, startReplica } from "../../testing/replicas.ts";

const skip = redisSkipReason() ?? (existsSync(NGINX) ? undefined : `${NGINX} is missing (CI installs nginx)`);
if (skip) console.warn(`SKIPPED failover tests: ${skip}`);

const STEPS = 8;

/** Open SSE connections of a replica (from /healthz), or -1 once it is gone. */
async function connections(replica: Replica): Promise<number> {
  try {
    const r = await fetch(new URL("/healthz", replica.endpoint), { signal: AbortSignal.timeout(1_000) });
    return ((await r.json()) as { connections: number }).connections;
  } catch {
    return -1;
  }
}

/** Runs the failover scenario against replicas started with `upstreamArgs`. */
function failover(name: string, upstreamArgs: () => string[]) {
  describe(`failover behind nginx: ${name}`, { skip: skip ?? false, timeout: 120_000 }, () => {
    let redis: RedisServer;
    let replicas: Replica[] = [];
    let balancer: Balancer | undefined;
    before(async () => {
      redis = await startRedisServer();
      const args = ["--store", redis.url, ...upstreamArgs()];
      // The upstream command (after --) must come last.
      replicas = await Promise.all([0, 1, 2].map(() => startReplica(args)));
      balancer = await startBalancer(replicas.map((r) => r.address));
    }, { timeout: 60_000 });
    after(async () => {
      await balancer?.stop();
      await Promise.all(replicas.map((r) => r.kill("SIGKILL")));
      await redis?.stop();
    }, { timeout: 30_000 });

    test("SIGKILL of the replica serving a long tool call: every progress notification and the result once", {
      timeout: 90_000,
    }, async () => {
      const client = new Client({ name: "failover-test", version: "1.0.0" });
      const transport = new StreamableHTTPClientTransport(new URL("/mcp", balancer!.url), {
        reconnectionOptions: {
          initialReconnectionDelay: 100,
          maxReconnectionDelay: 1_000,
          reconnectionDelayGrowFactor: 1.5,
          maxRetries: 10,
        },
      });
      await client.connect(transport);
      try {
        // The standalone GET stream opens after initialized: wait (bounded) until one replica holds it.
        let before = await Promise.all(replicas.map(connections));
        for (let i = 0; i < 50 && before.reduce((a, b) => a + b, 0) < 1; i++) {
          await new Promise((r) => setTimeout(r, 100));
          before = await Promise.all(replicas.map(connections));
        }
        assert.equal(before.reduce((a, b) => a + b, 0), 1, `one GET stream open: ${before}`);
        const progress: number[] = [];
        let killed: Replica | undefined;
        let picked = "";
        const call = client.callTool(
          { name: "trigger-long-running-operation", arguments: { duration: 4, steps: STEPS } },
          undefined,
          {
            timeout: 60_000,
            onprogress: (p: { progress: number }) => {
              progress.push(p.progress);
              if (progress.length === 2 && !killed) {
                void Promise.all(replicas.map(connections)).then((now) => {
                  const i = now.findIndex((n, k) => n > before[k]!);
                  picked = `before ${before} during ${now}`;
                  killed = replicas[i === -1 ? 0 : i]!;
                  if (i === -1) picked += " (no replica gained a connection)";
                  void killed.kill("SIGKILL");
                });
              }
            },
          },
        );
        const result = await call;
        assert.ok(killed, "a replica was killed mid-call");
        assert.doesNotMatch(picked, /no replica/, picked);
        assert.equal(killed.alive(), false);
        assert.deepEqual(progress, Array.from({ length: STEPS }, (_, i) => i + 1), "each progress once, in order");
        assert.match(JSON.stringify(result.content), /Long running operation completed/);
        for (let i = 0; i < 4; i++) {
          const echo = await client.callTool({ name: "echo", arguments: { message: `after ${i}` } });
          assert.match(JSON.stringify(echo.content), new RegExp(`after ${i}`));
        }
      } finally {
        await client.close();
      }
    });
  });
}

let everything: HttpChild | undefined;
failover("HTTP upstream", () => ["--upstream", new URL("/mcp", everything!.url).href]);
failover("stdio upstream", () => ["--", "node", EVERYTHING, "stdio"]);
before(async () => {
  if (!skip) everything = await startEverything("streamableHttp");
}, { timeout: 30_000 });
after(async () => {
  await everything?.close();
});
