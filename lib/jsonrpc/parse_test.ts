import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { messageProblem, parseBody } from "./parse.ts";
import {
  ErrorCode,
  errorResponse,
  isErrorResponse,
  isNotification,
  isRequest,
  isResponse,
  progressTokenOf,
} from "./types.ts";

describe("parseBody", () => {
  test("a single request parses as one message, not a batch", () => {
    const r = parseBody('{"jsonrpc":"2.0","id":1,"method":"ping"}');
    assert.ok(r.ok);
    assert.equal(r.batch, false);
    assert.deepEqual(r.messages, [{ jsonrpc: "2.0", id: 1, method: "ping" }]);
  });

  test("an array parses as a batch, members in order", () => {
    const r = parseBody('[{"jsonrpc":"2.0","id":"a","method":"ping"},{"jsonrpc":"2.0","method":"notifications/x"}]');
    assert.ok(r.ok);
    assert.equal(r.batch, true);
    assert.deepEqual(r.messages.map((m) => "id" in m ? m.id : null), ["a", null]);
  });

  test("T-RPC-01: text that is not JSON is a parse error (-32700)", () => {
    for (const body of ["{bad", "", "[1,", "nul"]) {
      const r = parseBody(body);
      assert.ok(!r.ok);
      assert.equal(r.error.code, ErrorCode.ParseError);
    }
  });

  test("T-RPC-02: JSON that is not JSON-RPC is an invalid request (-32600)", () => {
    const cases = [
      '{"id":6,"method":"ping"}', // no jsonrpc
      '{"jsonrpc":"1.0","id":1,"method":"ping"}',
      '{"jsonrpc":"2.0","id":1,"method":5}',
      '{"jsonrpc":"2.0","id":1}', // neither result nor error
      '{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"x"}}',
      '{"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"y"}}',
      '{"jsonrpc":"2.0","id":1.5,"method":"ping"}',
      '{"jsonrpc":"2.0","method":"ping","params":"nope"}',
      '"a string"',
      "42",
    ];
    for (const body of cases) {
      const r = parseBody(body);
      assert.ok(!r.ok, body);
      assert.equal(r.error.code, ErrorCode.InvalidRequest, body);
    }
  });

  test("T-RPC-03: a request with a null id is invalid", () => {
    const r = parseBody('{"jsonrpc":"2.0","id":null,"method":"ping"}');
    assert.ok(!r.ok);
    assert.equal(r.error.code, ErrorCode.InvalidRequest);
  });

  test("an error response with a null id is valid (the id could not be read)", () => {
    assert.equal(messageProblem({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "x" } }), undefined);
  });

  test("T-BATCH-06: an empty batch is invalid", () => {
    const r = parseBody("[]");
    assert.ok(!r.ok);
    assert.equal(r.error.code, ErrorCode.InvalidRequest);
  });

  test("one invalid member makes the whole batch invalid, naming the member", () => {
    const r = parseBody('[{"jsonrpc":"2.0","id":1,"method":"ping"},{"id":2}]');
    assert.ok(!r.ok);
    assert.match(r.error.message, /member 1/);
  });

  test("non-ASCII text survives parsing", () => {
    const r = parseBody('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"text":"日本語 ☃"}}');
    assert.ok(r.ok);
    assert.deepEqual((r.messages[0] as { params: unknown }).params, { text: "日本語 ☃" });
  });
});

describe("message kinds", () => {
  test("requests, notifications and responses are told apart", () => {
    const req = { jsonrpc: "2.0" as const, id: 1, method: "ping" };
    const note = { jsonrpc: "2.0" as const, method: "notifications/initialized" };
    const res = { jsonrpc: "2.0" as const, id: 1, result: {} };
    const err = errorResponse(1, -32601, "Method not found");
    assert.deepEqual([isRequest(req), isNotification(req), isResponse(req)], [true, false, false]);
    assert.deepEqual([isRequest(note), isNotification(note), isResponse(note)], [false, true, false]);
    assert.deepEqual([isRequest(res), isResponse(res), isErrorResponse(res)], [false, true, false]);
    assert.deepEqual([isResponse(err), isErrorResponse(err)], [true, true]);
  });

  test("T-RPC-06: errorResponse omits the id when it is unknown", () => {
    assert.ok(!("id" in errorResponse(undefined, -32700, "Parse error")));
    assert.equal(errorResponse(null, -32700, "x").id, null);
    assert.deepEqual(errorResponse(3, 1, "m", { a: 1 }).error, { code: 1, message: "m", data: { a: 1 } });
  });

  test("progressTokenOf reads params._meta.progressToken", () => {
    assert.equal(
      progressTokenOf({ jsonrpc: "2.0", id: 1, method: "x", params: { _meta: { progressToken: "t" } } }),
      "t",
    );
    assert.equal(progressTokenOf({ jsonrpc: "2.0", id: 1, method: "x", params: {} }), undefined);
  });
});
