/**
 * The connection budget end to end: `mcpwire reverse` started exactly as the README says (on the runtime
 * running this test, so `deno test` covers Deno and `bun test` covers Bun) in front of server-everything
 * (streamableHttp), driven by `bench/fd_streams.mjs` (node:http, so the client has no connection cap).
 * Issue 19: under `ulimit -n 256` the proxy stays up, serves the streams that fit, answers the rest 503 with
 * Retry-After, and serves new sessions once streams close; in the default environment 1,000 GET streams
 * all open and deliver a notification (Bun's fetch cap of 256 used to turn the rest into 502s).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { type HttpChild, ROOT, RUNTIME, startEverything } from "../../testing/e2e.ts";
import { startCli } from "../../testing/cli.ts";

interface StreamsResult {
  sessions: number;
  opened: number;
  delivered: number;
  statuses: Record<string, number>;
  retryAfterMissing: number;
  badBody: number;
  firstError?: string;
  healthz: { samples: number; failed: number; maxMs: number | null };
  afterClose: unknown;
}

/** Runs bench/fd_streams.mjs with node (bounded) and returns its result line. */
async function streams(config: Record<string, unknown>, timeoutMs: number): Promise<StreamsResult> {
  const child = spawn("node", [join(ROOT, "bench/fd_streams.mjs"), JSON.stringify(config)], { cwd: ROOT });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += String(d)));
  child.stderr.on("data", (d) => (stderr += String(d)));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  await once(child, "exit");
  clearTimeout(timer);
  const line = stdout.trim().split("\n").pop() ?? "";
  assert.ok(line.startsWith("{"), `fd_streams printed no result: ${stderr.slice(-500)}`);
  return JSON.parse(line);
}

/** Fetches a URL with node:http semantics left to the runtime's fetch (one short request). */
async function get(url: URL): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  const r = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: r.status, text: await r.text(), ms: performance.now() - started };
}

describe(`mcpwire reverse on ${RUNTIME} in front of server-everything, at the file-descriptor limit`, () => {
  let everything: HttpChild;
  const reverseArgs = () => ["reverse", "--bind", "127.0.0.1:0", "--upstream", new URL("/mcp", everything.url).href];
  before(async () => {
    everything = await startEverything("streamableHttp");
  });
  after(async () => {
    await everything?.close();
  });

  test(
    "under ulimit -n 256, 300 sessions with GET streams: the ones that fit work, the rest get 503 + Retry-After, /healthz answers, and closed streams make room",
    {
      timeout: 90_000,
    },
    async () => {
      const proxy = await startCli(reverseArgs(), 256);
      try {
        // The limits line follows the listening line; wait for it (bounded).
        for (let i = 0; i < 40 && !/open files:/.test(proxy.stderr()); i++) await new Promise((r) => setTimeout(r, 50));
        assert.match(proxy.stderr(), /open files: 256 \(\/proc\/self\/limits/);
        const r = await streams({
          url: new URL("/mcp", proxy.base).href,
          sessions: 300,
          concurrency: 20,
          notify: true,
          deliverTimeoutMs: 10_000,
        }, 75_000);
        assert.ok(proxy.alive(), `the proxy died: ${proxy.stderr().slice(-800)}`);
        const refused = (r.statuses["initialize 503"] ?? 0) + (r.statuses["GET 503"] ?? 0);
        // On a loopback bind no header-deadline front runs (Deno), so one descriptor per client connection.
        const maxStreams = 90;
        assert.ok(r.opened >= maxStreams / 2 && r.opened <= maxStreams, `opened ${r.opened}: ${JSON.stringify(r)}`);
        assert.equal(
          r.opened + refused,
          300,
          `every session either streams or is refused with 503: ${JSON.stringify(r)}`,
        );
        assert.equal(r.delivered, r.opened, "every open stream delivers server-everything's log notification");
        assert.equal(r.retryAfterMissing, 0, "every 503 carries Retry-After");
        assert.equal(r.badBody, 0, "every 503 carries a JSON-RPC error with id null");
        assert.equal(r.healthz.failed, 0, `/healthz always answered: ${JSON.stringify(r.healthz)}`);
        assert.ok(r.healthz.maxMs !== null && r.healthz.maxMs < 1_000, `/healthz within 1 s: ${r.healthz.maxMs} ms`);
        assert.equal(r.afterClose, "served", "once the streams closed, a new session with its GET stream is served");
        const health = await get(new URL("/healthz", proxy.base));
        assert.equal(health.status, 200);
        const metrics = await get(new URL("/metrics", proxy.base));
        assert.match(metrics.text, new RegExp(`^mcpwire_max_streams ${maxStreams}$`, "m"));
        assert.match(metrics.text, /^mcpwire_refused_total\{kind="session"\} [1-9]\d*$/m);
        assert.doesNotMatch(proxy.stderr(), /Too many open files|EMFILE|Uncaught/);
      } finally {
        await proxy.stop();
      }
    },
  );

  test("default environment: 1,000 sessions each hold a GET stream and get a notification on it", {
    timeout: 90_000,
  }, async () => {
    const proxy = await startCli(reverseArgs());
    try {
      const r = await streams({
        url: new URL("/mcp", proxy.base).href,
        sessions: 1_000,
        concurrency: 50,
        notify: true,
        deliverTimeoutMs: 15_000,
      }, 75_000);
      assert.equal(r.opened, 1_000, JSON.stringify(r));
      assert.equal(r.delivered, 1_000, JSON.stringify(r));
      assert.deepEqual(Object.keys(r.statuses), ["GET 200"], "no 502 and no 503");
      assert.ok(proxy.alive());
    } finally {
      await proxy.stop();
    }
  });
});
