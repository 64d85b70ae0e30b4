/**
 * Cost of interception: the per-message time of the interceptor chain with 100 rules loaded, and of
 * the whole `interceptUpstream` path (an SSE reply stream of many events). Prints figures; no pass/fail.
 *
 *   deno run -A bench/intercept_bench.ts
 *   bun bench/intercept_bench.ts
 *
 * @module
 */
import { createInterceptorChain } from "../lib/intercept/chain.ts";
import { interceptUpstream } from "../lib/intercept/upstream.ts";
import { parseRules } from "../lib/intercept/rules_load.ts";
import { createRulesEngine } from "../lib/intercept/rules_engine.ts";
import type { Intercepted, Interceptor } from "../lib/intercept/types.ts";
import type { JsonRpcMessage } from "../lib/jsonrpc/types.ts";
import type { Upstream, UpstreamMessage } from "../lib/upstream/types.ts";

/** 100 rules of every kind: tool blocks, path conditions, globs, all/any/not, edits, rate limits. */
function hundredRules(): string {
  const rules: string[] = [];
  for (let i = 0; i < 100; i++) {
    switch (i % 5) {
      case 0:
        rules.push(
          `  - name: block tool ${i}\n    match: { direction: client-to-server, method: tools/call, tool: "tool-${i}" }\n    action: block`,
        );
        break;
      case 1:
        rules.push(
          `  - name: path ${i}\n    match: { method: tools/call, params: { "arguments.level": { gt: ${i} }, "arguments.tag": { regex: "^t${i}$" } } }\n    action: block`,
        );
        break;
      case 2:
        rules.push(`  - name: glob ${i}\n    match: { method: "notifications/custom-${i}/*" }\n    action: drop`);
        break;
      case 3:
        rules.push(
          `  - name: combo ${i}\n    match: { any: [ { tool: "x-${i}" }, { all: [ { kind: result }, { not: { session: "s-${i}" } }, { result: { "content[0].text": "never-${i}" } } ] } ] }\n    set: { "result.content[0].text": edited }`,
        );
        break;
      default:
        rules.push(
          `  - name: limit ${i}\n    match: { method: "resources/read-${i}" }\n    rateLimit: { max: 1000000, per: 1m }`,
        );
    }
  }
  return `version: 1\nrules:\n${rules.join("\n")}\n`;
}

/** The message mix: a tool call, a progress notification, its result, a resource read. */
const MESSAGES: Intercepted[] = [
  {
    direction: "client-to-server",
    sessionId: "s1",
    receivedAt: 0,
    message: {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "echo", arguments: { message: "hi", level: 3, tag: "t-none" } },
    },
  },
  {
    direction: "server-to-client",
    sessionId: "s1",
    receivedAt: 0,
    stream: "post",
    message: { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 1, progress: 1, total: 4 } },
  },
  {
    direction: "server-to-client",
    sessionId: "s1",
    receivedAt: 0,
    stream: "post",
    request: { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo" } },
    message: { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "Echo: hi" }] } },
  },
  {
    direction: "client-to-server",
    sessionId: "s1",
    receivedAt: 0,
    message: { jsonrpc: "2.0", id: 2, method: "resources/read", params: { uri: "file:///a" } },
  },
];

async function timeChain(label: string, interceptors: Interceptor[], n: number): Promise<void> {
  const chain = createInterceptorChain(interceptors);
  for (let i = 0; i < 20_000; i++) await chain.run(MESSAGES[i % MESSAGES.length]!); // warm up
  const started = performance.now();
  for (let i = 0; i < n; i++) await chain.run(MESSAGES[i % MESSAGES.length]!);
  print(label, ((performance.now() - started) * 1000) / n);
}

/** An upstream whose one reply is an SSE stream of `n` progress events and a result. */
function streamingUpstream(n: number): Upstream {
  const event: UpstreamMessage = { message: MESSAGES[1]!.message, eventId: "e" };
  return {
    description: "bench",
    connect: () => ({
      send: () =>
        Promise.resolve({
          type: "messages",
          format: "sse",
          messages: new ReadableStream<UpstreamMessage>({
            start(c) {
              for (let i = 0; i < n; i++) c.enqueue(event);
              c.enqueue({ message: { jsonrpc: "2.0", id: 1, result: {} } });
              c.close();
            },
          }),
        }),
      listen: () => Promise.resolve(null),
      close: () => Promise.resolve(),
      ended: new Promise<void>(() => {}),
    }),
  };
}

async function timeUpstream(label: string, interceptors: Interceptor[] | null, n: number): Promise<void> {
  const inner = streamingUpstream(n);
  const upstream = interceptors === null ? inner : interceptUpstream(inner, createInterceptorChain(interceptors));
  const conn = upstream.connect();
  const started = performance.now();
  const reply = await conn.send([MESSAGES[0]!.message as JsonRpcMessage], { sessionId: "s1" });
  let count = 0;
  if (reply.type === "messages") { for await (const _ of reply.messages) count++; }
  if (count !== n + 1) throw new Error(`expected ${n + 1} messages through the stream, got ${count}`);
  print(label, ((performance.now() - started) * 1000) / count);
}

function print(label: string, us: number): void {
  const perSecond = Math.round(1_000_000 / us).toLocaleString("en-US");
  console.log(`${label.padEnd(56)} ${us.toFixed(3).padStart(8)} µs/message ${perSecond.padStart(12)} messages/s`);
}

const text = hundredRules();
const parsed = parseRules(text);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues.slice(0, 3)));
const engine = createRulesEngine(parsed.rules);
const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
const runtime = g.Bun ? `bun ${g.Bun.version}` : g.Deno ? `deno ${g.Deno.version.deno}` : "unknown runtime";
console.log(
  `intercept bench on ${runtime}: ${parsed.rules.rules.length} rules; messages cycle call/progress/result/read`,
);
const loadStarted = performance.now();
for (let i = 0; i < 20; i++) parseRules(text);
console.log(
  `${"load + compile the 100-rule YAML file".padEnd(56)} ${
    ((performance.now() - loadStarted) / 20).toFixed(2).padStart(8)
  } ms/load`,
);
const N = 200_000;
await timeChain("chain, no interceptors (baseline)", [], N);
await timeChain("chain, 100 rules", [engine.interceptor], N);
await timeUpstream("SSE reply stream, not intercepted (baseline)", null, 100_000);
await timeUpstream("SSE reply stream through interceptUpstream, empty chain", [], 100_000);
await timeUpstream("SSE reply stream through interceptUpstream, 100 rules", [engine.interceptor], 100_000);
