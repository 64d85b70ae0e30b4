/**
 * A small, fast stdio MCP server for the benchmarks: newline-delimited JSON-RPC on stdin/stdout, answers
 * `initialize`, `ping`, `tools/list` and `tools/call` of the tool `echo`; notifications are ignored.
 *
 * Usage: node bench/stdio_server.mjs
 */
import process from "node:process";

let buffer = "";
const out = [];
let scheduled = false;

function send(message) {
  out.push(JSON.stringify(message) + "\n");
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      process.stdout.write(out.join(""));
      out.length = 0;
    });
  }
}

function handle(message) {
  if (message.id === undefined || message.method === undefined) return;
  const reply = (result) => send({ jsonrpc: "2.0", id: message.id, result });
  switch (message.method) {
    case "initialize":
      return reply({
        protocolVersion: message.params?.protocolVersion ?? "2025-06-18",
        capabilities: { tools: {} },
        serverInfo: { name: "mcpwire-bench-stdio", version: "1" },
      });
    case "ping":
      return reply({});
    case "tools/list":
      return reply({ tools: [{ name: "echo", description: "Echoes its arguments", inputSchema: { type: "object" } }] });
    case "tools/call":
      return reply({ content: [{ type: "text", text: String(message.params?.arguments?.text ?? "") }] });
    default:
      send({ jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "Method not found" } });
  }
}

process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf("\n")) >= 0) {
    const line = buffer.slice(0, nl).trim();
    buffer = buffer.slice(nl + 1);
    if (!line) continue;
    try {
      handle(JSON.parse(line));
    } catch {
      // not JSON: ignore
    }
  }
});
process.stdin.on("end", () => process.exit(0));
