/**
 * Minimal MCP-over-HTTP client helpers for the bench clients (fetch-based; Node, Deno and Bun).
 */
export const VERSION = "2025-06-18";

export const BASE_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

/** Opens a session: initialize + notifications/initialized → headers for later requests. */
export async function openSession(url, signal) {
  const res = await fetch(url, {
    method: "POST",
    headers: BASE_HEADERS,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: "mcpwire-bench", version: "1" } },
    }),
    signal,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`initialize answered ${res.status}: ${text.slice(0, 200)}`);
  const sid = res.headers.get("mcp-session-id");
  const headers = { ...BASE_HEADERS, "mcp-protocol-version": VERSION, ...(sid ? { "mcp-session-id": sid } : {}) };
  const ack = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
    signal,
  });
  await ack.body?.cancel();
  return headers;
}

/** The JSON-RPC messages of a JSON or SSE response text. */
export function messagesOf(contentType, text) {
  if ((contentType ?? "").startsWith("text/event-stream")) {
    const out = [];
    for (const line of text.split("\n")) {
      if (line.startsWith("data:")) {
        const data = line.slice(5).trim();
        if (data) out.push(JSON.parse(data));
      }
    }
    return out;
  }
  if (!text) return [];
  const v = JSON.parse(text);
  return Array.isArray(v) ? v : [v];
}

/** Calls a tool; resolves with the response message (throws on HTTP errors or a JSON-RPC error). */
export async function callTool(url, headers, id, name, args, signal) {
  const res = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } }),
    signal,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`tools/call answered ${res.status}: ${text.slice(0, 200)}`);
  const reply = messagesOf(res.headers.get("content-type"), text).find((m) => m.id === id);
  if (!reply) throw new Error(`no response to tools/call: ${text.slice(0, 200)}`);
  if (reply.error) throw new Error(`tools/call failed: ${reply.error.message}`);
  return reply;
}

/** Wall-clock time in ms with sub-ms precision (comparable across processes on one machine). */
export const now = () => performance.timeOrigin + performance.now();

/** Ends a session (DELETE), so the proxy can drop its state; errors are ignored. */
export async function closeSession(url, headers) {
  try {
    const res = await fetch(url, { method: "DELETE", headers, signal: AbortSignal.timeout(5_000) });
    await res.body?.cancel();
  } catch {
    // best effort
  }
}
