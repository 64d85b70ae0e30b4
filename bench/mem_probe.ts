// Memory probe (Deno, not part of the harness): the reverse proxy in-process, printing RSS, JS heap and
// external memory every 2 s after a GC. Usage: deno run -A --v8-flags=--expose-gc bench/mem_probe.ts UPSTREAM_URL PORT
import { createReverseProxy } from "../lib/proxy/reverse.ts";
import { streamableHttpUpstream } from "../lib/upstream/streamable_http.ts";
import { serve } from "../lib/runtime/serve.ts";
const upstreamUrl = Deno.args[0]!;
const port = Number(Deno.args[1]);
const proxy = createReverseProxy({ upstream: streamableHttpUpstream({ url: upstreamUrl }) });
await serve(proxy.fetch, { hostname: "127.0.0.1", port });
const mb = (n: number) => (n / 1048576).toFixed(1);
setInterval(() => {
  const m = Deno.memoryUsage();
  console.error(
    `rss ${mb(m.rss)} heapUsed ${mb(m.heapUsed)} heapTotal ${mb(m.heapTotal)} external ${
      mb(m.external)
    } conns ${proxy.endpoint.stats().connections}`,
  );
  (globalThis as any).gc?.();
}, 2000);
