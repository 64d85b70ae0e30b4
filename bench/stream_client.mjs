/**
 * The streaming client: opens a session, calls the upstream tool `stream` ({count, size, intervalMs}) and
 * reads the SSE response event by event (eventsource-parser), timing each `notifications/message` from the
 * upstream's write (a wall-clock stamp in the event) to its arrival here. Prints one JSON line.
 *
 * Usage: bun bench/stream_client.mjs '{"url":"http://127.0.0.1:8080/mcp","count":500,"size":256,"intervalMs":2}'
 */
import process from "node:process";
import { createParser } from "eventsource-parser";
import { summarize } from "./stats.mjs";
import { closeSession, now, openSession } from "./mcp_http.mjs";

const config = JSON.parse(process.argv[2] ?? "{}");
const signal = AbortSignal.timeout(config.timeoutMs ?? 60_000);
const headers = await openSession(config.url, signal);
const started = now();
const res = await fetch(config.url, {
  method: "POST",
  headers,
  body: JSON.stringify({
    jsonrpc: "2.0",
    id: 7,
    method: "tools/call",
    params: { name: "stream", arguments: { count: config.count, size: config.size, intervalMs: config.intervalMs } },
  }),
  signal,
});
if (res.status !== 200 || !res.body) throw new Error(`stream answered ${res.status}`);
// A slow reader: nothing is read for pauseMs after the head (the proxy must then hold or hold back).
if (config.pauseMs) await new Promise((r) => setTimeout(r, config.pauseMs));
const latencies = [];
let events = 0;
let bytes = 0;
let result = false;
let firstEventMs = null;
const parser = createParser({
  onEvent(event) {
    if (!event.data) return;
    const m = JSON.parse(event.data);
    if (m.method === "notifications/message") {
      events++;
      firstEventMs ??= now() - started;
      latencies.push(now() - m.params.data.t);
    } else if (m.id === 7) result = true;
  },
});
const decoder = new TextDecoder();
for await (const chunk of res.body) {
  bytes += chunk.byteLength;
  parser.feed(decoder.decode(chunk, { stream: true }));
}
const seconds = (now() - started) / 1000;
await closeSession(config.url, headers);
process.stdout.write(JSON.stringify({ events, bytes, result, seconds, firstEventMs, mbPerSec: bytes / 1048576 / seconds, ...summarize(latencies) }) + "\n");
process.exit(0);
