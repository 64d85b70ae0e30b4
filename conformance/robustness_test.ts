import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { runConformance } from "./runner.ts";
import { _argsFromSchema } from "./context.ts";
import { createReferenceServer } from "../fixtures/servers/reference.ts";
import type { FetchLike } from "./types.ts";

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe("suite robustness", () => {
  it("a server that never answers gives failures, not a hung suite", { timeout: 30_000 }, async () => {
    const hang = () => new Promise<Response>(() => {});
    const started = Date.now();
    const report = await runConformance({ url: "http://hang.test/mcp", fetch: hang }, {
      timeoutMs: 100,
      only: ["T-EP-01", "T-POST-03"],
    });
    assert.equal(report.verdict, "fail");
    assert.ok(report.results.some((r) => r.status === "fail" && /did not answer/.test(r.message)));
    assert.ok(Date.now() - started < 10_000);
  });

  it("a server whose SSE bodies never end still gives bounded results", { timeout: 30_000 }, async () => {
    const stall = (_input: Request | URL | string, init?: RequestInit) => {
      const body = new ReadableStream<Uint8Array>({ start() {} });
      void init;
      return Promise.resolve(new Response(body, { headers: { "content-type": "text/event-stream" } }));
    };
    const report = await runConformance({ url: "http://stall.test/mcp", fetch: stall }, {
      timeoutMs: 100,
      specVersions: ["2025-11-25"],
      only: ["T-EP-01", "T-LIFE-01", "T-SEC-01"],
    });
    assert.equal(report.results.find((r) => r.id === "T-EP-01")?.status, "fail");
    assert.equal(report.results.find((r) => r.id === "T-LIFE-01")?.status, "fail");
  });

  it("an unreachable server gives two failures with the reason, not one per check", async () => {
    const refuse = () => Promise.reject(new TypeError("connection refused"));
    const report = await runConformance({ url: "http://down.test/mcp", fetch: refuse }, { timeoutMs: 100 });
    assert.deepEqual(report.results.map((r) => `${r.id} ${r.status}`), ["T-EP-01 fail", "T-LIFE-01 fail"]);
    assert.match(report.results[0]!.message, /connection refused/);
    assert.equal(report.exitCode, 1);
  });

  it(
    "an SSE body labelled text/plain fails T-POST-05 only, and is still read by other checks",
    { timeout: 30_000 },
    async () => {
      const server = createReferenceServer();
      const mislabel: FetchLike = async (input, init) => {
        const res = await server.fetch(input, init);
        if ((res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
          const headers = new Headers(res.headers);
          headers.set("content-type", "text/plain");
          return new Response(res.body, { status: res.status, headers });
        }
        return res;
      };
      const report = await runConformance({ url: "http://mislabel.test/mcp", fetch: mislabel }, {
        timeoutMs: 400,
        specVersions: ["2025-06-18"],
        only: ["T-POST-05", "T-POST-14", "T-RPC", "T-SESS-01"],
      });
      const failing = report.results.filter((r) => r.status === "fail").map((r) => r.id);
      assert.deepEqual(failing, ["T-POST-05"]);
      assert.equal(report.results.find((r) => r.id === "T-POST-14")?.status, "pass");
    },
  );

  it("a server that speaks only 2026-07-28 is detected by server/discover and judged in the modern era", async () => {
    const modern = async (input: Request | URL | string, init?: RequestInit) => {
      const req = new Request(input, init);
      const body = await req.json().catch(() => ({}));
      if (body.method === "server/discover") {
        return Response.json({
          jsonrpc: "2.0",
          id: body.id,
          result: { supportedVersions: ["2026-07-28"], capabilities: {} },
        });
      }
      return Response.json({ jsonrpc: "2.0", id: body.id, error: { code: -32601, message: "Method not found" } }, {
        status: 404,
      });
    };
    const report = await runConformance({ url: "http://modern.test/mcp", fetch: modern }, { timeoutMs: 200 });
    assert.deepEqual(report.revisions, ["2026-07-28"]);
    assert.ok(report.results.length > 0 && report.results.every((r) => r.era === "modern"));
    // It answers server/discover whatever the headers say: a header/_meta mismatch is served (T-PV-06).
    assert.equal(report.results.find((r) => r.id === "T-PV-06")?.status, "fail");
    assert.match(report.detection.find((d) => d.revision === "2026-07-28")!.note, /supportedVersions 2026-07-28/);
  });

  it("stream tool arguments are built from the input schema", () => {
    assert.deepEqual(
      _argsFromSchema({
        type: "object",
        properties: { duration: { type: "number" }, steps: { type: "number" }, label: { type: "string" } },
        required: ["label"],
      }),
      {
        duration: 1,
        steps: 3,
        label: "mcpwire",
      },
    );
  });

  it("conformance/ and fixtures/ use no runtime APIs outside tests", () => {
    const pattern = /\bDeno\.|\bBun\.|from\s+["']node:|\bprocess\./;
    const offenders = [...files("conformance"), ...files("fixtures")]
      .filter((f) => f.endsWith(".ts") && !f.endsWith("_test.ts") && !f.endsWith("_test_utils.ts"))
      .filter((f) => pattern.test(readFileSync(f, "utf8")));
    assert.deepEqual(offenders, []);
  });
});
