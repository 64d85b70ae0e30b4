/**
 * JSON-RPC framing checks: parse errors, invalid requests, unknown methods, error ids, unanswered
 * notifications. The batching rules are in `batch.ts`.
 *
 * @module
 */
import { describe, errorCodeOf, excerpt, type Message, notification, rpc } from "../context.ts";
import type { Check } from "../types.ts";
import { clientError, errorBody, isResponse, JSONRPC, ok, STREAMABLE } from "./_helpers.ts";

function messagesOfBody(body: string): Message[] {
  try {
    const value: unknown = JSON.parse(body);
    const list = Array.isArray(value) ? value : [value];
    return list.filter((m): m is Message => typeof m === "object" && m !== null);
  } catch {
    return [];
  }
}

/** Checks of the JSON-RPC framing (the first half of the jsonrpc area; `BATCH_CHECKS` follow them). */
export const JSONRPC_CHECKS: Check[] = [
  {
    id: "T-RPC-01",
    area: "jsonrpc",
    revisions: STREAMABLE,
    level: "MUST",
    title: "Unparseable JSON gets an error status (and -32700 if a body is sent)",
    specRef: `${JSONRPC}; 2025-11-25 basic/index §Responses`,
    async run(ctx) {
      const s = await ctx.initialize();
      const reply = await s.post("{bad json");
      const text = await reply.text();
      if (!clientError(reply)) {
        return ctx.fail(`malformed JSON answered HTTP ${reply.status}`, {
          expected: "HTTP 400 (any 4xx)",
          actual: describe(reply),
        });
      }
      const err = await errorBody(reply);
      if (err && err.code !== -32700) {
        return ctx.fail(`the error code is ${String(err.code)}`, {
          expected: "-32700 Parse error",
          actual: describe(reply),
        });
      }
      if (err && err.id !== undefined && err.id !== null) {
        return ctx.fail("the parse error carries an id although none could be read", {
          expected: "no id (or null)",
          actual: describe(reply),
        });
      }
      if (!err && text.trim() !== "") {
        return ctx.warn(
          `rejected with ${reply.status}, but the body is not a JSON-RPC error (often an HTML page from a body parser)`,
          {
            expected: "a JSON-RPC error with code -32700, or no body",
            actual: describe(reply),
          },
        );
      }
      return ctx.pass(`rejected with ${reply.status}${err ? " and -32700" : ""}`);
    },
  },
  {
    id: "T-RPC-02",
    area: "jsonrpc",
    revisions: STREAMABLE,
    level: "MUST",
    title: 'A message without "jsonrpc": "2.0" is an Invalid Request',
    specRef: JSONRPC,
    async run(ctx) {
      const s = await ctx.initialize();
      const reply = await s.post({ id: "rpc02", method: "ping" });
      const read = await reply.readUntil((m) => m.id === "rpc02" || "error" in m);
      const answer = read.messages.find((m) => m.id === "rpc02" || "error" in m);
      if (answer && "result" in answer) {
        return ctx.fail('the server processed a message that has no "jsonrpc" member', {
          expected: "HTTP 400 with -32600 Invalid Request",
          actual: describe(reply),
        });
      }
      const code = errorCodeOf(answer);
      if (code === -32600) return ctx.pass(`rejected with ${reply.status} and -32600`);
      if (clientError(reply) || code !== undefined) {
        return ctx.warn(
          `rejected with ${reply.status}${
            code === undefined ? "" : ` and code ${code}`
          }; -32600 Invalid Request is the right code`,
          {
            expected: "-32600 Invalid Request",
            actual: describe(reply),
          },
        );
      }
      return ctx.fail(`answered ${reply.status} without any error`, {
        expected: "HTTP 400 with -32600",
        actual: describe(reply),
      });
    },
  },
  {
    id: "T-RPC-03",
    area: "jsonrpc",
    revisions: STREAMABLE,
    level: "MAY",
    title: "A request with a null id is rejected (strict)",
    specRef: "2025-03-26 basic/index §Requests (id MUST NOT be null)",
    async run(ctx) {
      const s = await ctx.initialize();
      const reply = await s.post({ jsonrpc: "2.0", id: null, method: "ping" });
      const read = await reply.readUntil(isResponse);
      const answer = read.messages.find(isResponse);
      if (clientError(reply) || (answer && "error" in answer)) return ctx.pass(`rejected (HTTP ${reply.status})`);
      return ctx.strictFail(
        "the server answered a request whose id is null; MCP forbids null ids, so -32600 is the better answer",
        {
          expected: "HTTP 400 with -32600",
          actual: describe(reply),
        },
      );
    },
  },
  {
    id: "T-RPC-04",
    area: "jsonrpc",
    revisions: STREAMABLE,
    level: "MUST",
    title: "An unknown method gets a -32601 response with the request id",
    specRef: `${JSONRPC}; 2025-03-26 basic/index`,
    async run(ctx) {
      const s = await ctx.initialize();
      const call = await s.call("mcpwire/no-such-method", {});
      if (call.reply.status === 404) {
        return ctx.fail(
          "an unknown method answered HTTP 404; clients read a 404 as 'session expired' and re-initialize",
          {
            expected: "HTTP 200 (JSON or SSE) with error -32601",
            actual: describe(call.reply),
          },
        );
      }
      // An error with id null (JSON-RPC 2.0 style) is tolerated, as in T-RPC-06.
      const answer = call.response ?? call.messages.find((m) => isResponse(m) && (m.id === null || !("id" in m)));
      const code = errorCodeOf(answer);
      if (!answer || code !== -32601) {
        return ctx.fail(`no -32601 error with id ${call.id} (got ${code === undefined ? "none" : code})`, {
          expected: `{"id": "${call.id}", "error": {"code": -32601}}`,
          actual: describe(call.reply),
        });
      }
      if (!ok(call.reply)) {
        return ctx.warn(
          `-32601 came with HTTP ${call.reply.status}; clients expect it as a normal response (200 JSON or SSE)`,
          {
            expected: "HTTP 200 with error -32601",
            actual: describe(call.reply),
          },
        );
      }
      return ctx.pass(answer.id === call.id ? "-32601 with the request id" : "-32601 (with id null, tolerated)");
    },
  },
  {
    id: "T-RPC-06",
    area: "jsonrpc",
    revisions: STREAMABLE,
    level: "MUST",
    title: "Error responses echo the id of a readable request",
    specRef: "2025-11-25 basic/index §Responses; schema JSONRPCError",
    async run(ctx) {
      const s = await ctx.initialize();
      const id = ctx.nextId("rpc06");
      const reply = await s.post(rpc(id, "tools/call", {}));
      const read = await reply.readUntil((m) => isResponse(m));
      const answer = read.messages.find(isResponse);
      if (!answer || !("error" in answer)) {
        return ctx.skip("tools/call without a tool name was not answered with an error; nothing to check");
      }
      if (answer.id === null || !("id" in answer)) {
        // Tolerated (spec-requirements T-RPC-06): JSON-RPC 2.0 style transport errors (e.g. the TypeScript SDK).
        return ctx.pass(
          `the error carries ${
            answer.id === null ? "id null" : "no id"
          } instead of ${id}; tolerated, though echoing the id is better`,
        );
      }
      if (answer.id !== id) {
        return ctx.fail(`the error carries id ${JSON.stringify(answer.id)} instead of the request id`, {
          expected: `"id": "${id}"`,
          actual: excerpt(answer),
        });
      }
      return ctx.pass("the error carries the request id");
    },
  },
  {
    id: "T-RPC-07",
    area: "jsonrpc",
    revisions: STREAMABLE,
    level: "MUST",
    title: "Notifications are never answered with a JSON-RPC response",
    specRef: "2025-03-26 basic/index §Notifications",
    async run(ctx) {
      const s = await ctx.initialize();
      const get = await s.get();
      const reply = await s.post(notification("notifications/roots/list_changed"));
      const body = await reply.text();
      const answered = messagesOfBody(body).find(isResponse);
      if (answered) {
        return ctx.fail("a notification was answered with a JSON-RPC response in the POST body", {
          expected: "HTTP 202 with no body (notifications get no response)",
          actual: `${describe(reply)}: ${body.slice(0, 120)}`,
          evidence: [reply],
        });
      }
      const passed = `the notification got HTTP ${reply.status} and no response`;
      if (!get.isSse) {
        await get.close();
        return ctx.pass(passed);
      }
      return await ctx.expectNone(get, (m) => isResponse(m) && (m.id === null || m.id === undefined), {
        pass: passed,
        fail: () => "a response without id appeared on the GET stream after a notification",
        expected: "no response to a notification",
        evidence: [reply, get],
      });
    },
  },
];
