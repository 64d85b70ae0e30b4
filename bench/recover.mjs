/**
 * The recovery client.
 *
 * - `{"mode":"restart"}`: opens a session, makes one call, prints `{"phase":"ready"}`, waits for a line `go`
 *   on stdin (sent once the restarted upstream listens), then calls `echo` on the SAME session until a call
 *   succeeds or `deadlineMs` passes; prints the time from `go` to that success.
 * - `{"mode":"cut"}`: opens a session and calls the tool `cut`, whose upstream SSE stream ends after a
 *   priming event (id + retry) and before the result; prints the time until the result arrives (the proxy
 *   must resume upstream with GET + Last-Event-ID, T-RES-02/04), or the failure.
 */
import process from "node:process";
import { createInterface } from "node:readline";
import { callTool, openSession } from "./mcp_http.mjs";

const config = JSON.parse(process.argv[2] ?? "{}");
const deadlineMs = config.deadlineMs ?? 5_000;
const print = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const headers = await openSession(config.url, AbortSignal.timeout(10_000));
let id = 10;

if (config.mode === "cut") {
  const t0 = performance.now();
  try {
    await callTool(config.url, headers, ++id, "cut", {}, AbortSignal.timeout(deadlineMs));
    print({ ok: true, ms: performance.now() - t0 });
  } catch (error) {
    print({ ok: false, ms: performance.now() - t0, failure: error instanceof Error ? error.message : String(error) });
  }
  process.exit(0);
}

await callTool(config.url, headers, ++id, "echo", { text: "before" }, AbortSignal.timeout(10_000));
print({ phase: "ready" });
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === "go") break;
const t0 = performance.now();
let attempts = 0;
let lastError;
while (performance.now() - t0 < deadlineMs) {
  attempts++;
  try {
    await callTool(config.url, headers, ++id, "echo", { text: "after" }, AbortSignal.timeout(Math.max(100, deadlineMs - (performance.now() - t0))));
    print({ ok: true, ms: performance.now() - t0, attempts });
    process.exit(0);
  } catch (error) {
    lastError = error instanceof Error ? error.message : String(error);
    await new Promise((r) => setTimeout(r, 20));
  }
}
print({ ok: false, ms: performance.now() - t0, attempts, failure: lastError });
process.exit(0);
