/**
 * A `fetch` that sends the `Host` header it is given. Deno's `fetch` replaces `Host` with the URL's authority;
 * Bun's keeps it. The conformance suite's T-SEC-04 check (a foreign `Host` on a loopback server) needs the
 * header on the wire, so on Deno a request that names `Host` goes through `node:http` instead.
 *
 * @module
 */
import { request as httpRequest } from "node:http";
import { Readable } from "node:stream";

/**
 * Fetches `input` like `fetch`, but a `host` header in `init.headers` reaches the server as given (plain
 * `http:` URLs only; other requests use the global `fetch`). Errors: rejects as `fetch` does (connection refused,
 * aborted by `init.signal`).
 *
 * Implements the client side T-SEC-04's check needs (a rebinding page's `Host`).
 *
 * @example
 * ```ts
 * const reply = await fetchWithHost("http://127.0.0.1:3001/mcp", { method: "GET", headers: { host: "evil.example" } });
 * console.log(reply.status); // 403 from a server that validates Host
 * ```
 */
export function fetchWithHost(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const headers = new Headers(init?.headers);
  const url = new URL(input instanceof Request ? input.url : String(input));
  const bun = "Bun" in globalThis;
  if (bun || !headers.has("host") || url.protocol !== "http:" || input instanceof Request) return fetch(input, init);
  return _nodeRequest(url, headers, init);
}

function _nodeRequest(url: URL, headers: Headers, init: RequestInit | undefined): Promise<Response> {
  const body = typeof init?.body === "string" ? init.body : undefined;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: init?.method ?? "GET",
      headers: Object.fromEntries(headers),
      ...(init?.signal ? { signal: init.signal } : {}),
    }, (res) => {
      const out = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) out.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      const status = res.statusCode ?? 502;
      const empty = status === 204 || status === 304 || init?.method === "HEAD";
      if (empty) res.resume();
      resolve(new Response(empty ? null : Readable.toWeb(res) as ReadableStream<Uint8Array>, { status, headers: out }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
