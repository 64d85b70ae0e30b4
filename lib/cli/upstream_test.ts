import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseArgs, UsageError } from "./args.ts";
import { describeResilienceEvent, UPSTREAM_FLAGS, upstreamOptionsFromFlags } from "./upstream.ts";
import { runtime } from "../runtime/mod.ts";
import { buildUpstream } from "../proxy/stack.ts";

function build(argv: string[]) {
  const { flags, positionals, rest } = parseArgs(argv, UPSTREAM_FLAGS);
  return buildUpstream(upstreamOptionsFromFlags(flags, positionals[0], rest, runtime, () => {})).upstream;
}

describe("upstream flags", () => {
  test("a URL or a command builds an upstream described by it", () => {
    assert.equal(build(["http://127.0.0.1:3001/mcp"]).description, "http://127.0.0.1:3001/mcp");
    assert.equal(
      build(["--upstream-transport", "sse", "http://127.0.0.1:3001/sse"]).description,
      "http://127.0.0.1:3001/sse (HTTP+SSE)",
    );
    assert.equal(build(["--", "node", "server.js"]).description, "node server.js");
  });

  for (
    const [argv, message] of [
      [["--upstream-transport", "grpc", "http://h/mcp"], /must be one of auto, streamable-http, sse/],
      [["ftp://h/mcp"], /http\(s\) URL/],
      [["http://h/mcp", "--", "node"], /not both/],
      [[], /Missing upstream/],
      [["--max-recoveries", "0", "http://h/mcp"], /positive whole number/],
      [["--request-timeout", "soon", "http://h/mcp"], /duration/],
      [["--upstream-header", "no colon", "http://h/mcp"], /Name: value/],
      [["--upstream-era", "2024", "http://h/mcp"], /must be one of auto, 2026-07-28, 2025/],
    ] as [string[], RegExp][]
  ) {
    test(`refuses ${argv.join(" ") || "nothing"} with a usage error`, () => {
      assert.throws(() => build(argv), (e: unknown) => e instanceof UsageError && message.test(e.message));
    });
  }

  test("--upstream-era: auto for a URL, 2025 for a command, forced when given (T-BC-03)", () => {
    const era = (argv: string[]) => {
      const { flags, positionals, rest } = parseArgs(argv, UPSTREAM_FLAGS);
      const stack = buildUpstream(upstreamOptionsFromFlags(flags, positionals[0], rest, runtime, () => {}));
      return [stack.era.era, stack.era.forced];
    };
    assert.deepEqual(era(["http://h/mcp"]), ["unknown", false]);
    assert.deepEqual(era(["--", "node", "server.js"]), ["2025", true]);
    assert.deepEqual(era(["--upstream-era", "2026-07-28", "http://h/mcp"]), ["2026-07-28", true]);
    assert.deepEqual(era(["--upstream-era", "auto", "--", "node", "s.js"]), ["unknown", false]);
  });

  test("every resilience event has a log line", () => {
    assert.match(describeResilienceEvent({ type: "gave-up", reason: "down" }), /giving up: down/);
    assert.match(describeResilienceEvent({ type: "request-timeout", id: 4 }), /request 4 timed out/);
  });
});
