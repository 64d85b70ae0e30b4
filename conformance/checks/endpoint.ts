/**
 * Endpoint and POST checks: one endpoint for POST and GET, 202 for notifications, response media types,
 * the shape of SSE response streams, UTF-8.
 *
 * @module
 */
import { describe, excerpt, initializeRequest, notification, rpc } from "../context.ts";
import type { Check } from "../types.ts";
import { clientError, errorBody, isResponse, ok, STREAMABLE, unknownSessionId } from "./_helpers.ts";

const T = (v: string) => `${v} basic/transports`;

/** Checks of the endpoint and POST area. */
export const ENDPOINT_CHECKS: Check[] = [
  {
    id: "T-EP-01",
    area: "endpoint",
    revisions: STREAMABLE,
    level: "MUST",
    title: "One endpoint path serves POST and GET",
    specRef: `${T("2025-03-26")} §Streamable HTTP`,
    async run(ctx) {
      const id = ctx.nextId("init");
      const init = await ctx.post(initializeRequest(id, ctx.revision));
      const read = await init.readResponse(id);
      if (!ok(init) || !read.matched || !("result" in read.matched)) {
        const hint = init.status === 401
          ? ': the server wants credentials (pass --header "Authorization: Bearer …")'
          : "";
        return ctx.fail(`initialize at the endpoint did not succeed (HTTP ${init.status})${hint}`, {
          expected: "HTTP 2xx carrying an InitializeResult",
          actual: describe(init),
          evidence: [init],
        });
      }
      const session = init.headers.get("mcp-session-id");
      const headers: Record<string, string> = { accept: "text/event-stream" };
      if (session) headers["mcp-session-id"] = session;
      if (ctx.atLeast("2025-06-18")) {
        headers["mcp-protocol-version"] = String((read.matched.result as Record<string, unknown>).protocolVersion);
      }
      const get = await ctx.request("GET", { headers });
      await get.close();
      if (get.status === 404) {
        return ctx.fail(
          "POST works at this URL but GET answers 404: the same endpoint must answer GET with an SSE stream or 405",
          {
            expected: "GET: 200 text/event-stream or 405",
            actual: describe(get),
            evidence: [init, get],
          },
        );
      }
      return ctx.pass(`POST initialize answered ${init.status}, GET answered ${get.status}`);
    },
  },
  {
    id: "T-EP-03",
    area: "endpoint",
    revisions: STREAMABLE,
    level: "SHOULD",
    title: "Unsupported methods get 405 with an Allow header",
    specRef: "RFC 9110 §15.5.6",
    async run(ctx) {
      const reply = await ctx.request("PUT", { headers: { "content-type": "application/json" }, body: "{}" });
      await reply.text();
      if (reply.status === 405 && reply.headers.get("allow")) {
        return ctx.pass(`405 with Allow: ${reply.headers.get("allow")}`);
      }
      if (reply.status === 405) {
        return ctx.warn("405 but no Allow header", { expected: "405 with Allow", actual: describe(reply) });
      }
      return ctx.fail(`PUT answered ${reply.status}; an unsupported method should get 405 with Allow`, {
        expected: "405 with Allow",
        actual: describe(reply),
      });
    },
  },
  {
    id: "T-POST-02",
    area: "endpoint",
    revisions: STREAMABLE,
    level: "SHOULD",
    title: "A POST that accepts only JSON is not answered with SSE",
    specRef: `${T("2025-03-26")} §Sending messages to the server; RFC 9110 §12.5.1`,
    async run(ctx) {
      const s = await ctx.initialize();
      const { method, params } = await ctx.streamingRequest(s);
      const reply = await s.post(rpc(ctx.nextId(), method, params), { headers: { accept: "application/json" } });
      await reply.close();
      if (clientError(reply)) {
        return ctx.pass(`rejected with ${reply.status} (406 is usual; clients must accept both types)`);
      }
      if (!reply.isSse) return ctx.pass(`answered HTTP ${reply.status} ${reply.mediaType}, not SSE`);
      return ctx.fail(`the request accepted only application/json but the answer was ${reply.mediaType || "untyped"}`, {
        expected: "application/json, or 406",
        actual: describe(reply),
      });
    },
  },
  {
    id: "T-POST-03",
    area: "endpoint",
    revisions: STREAMABLE,
    level: "MUST",
    title: "An accepted notification gets 202 with an empty body",
    specRef: `${T("2025-03-26")} §Sending messages to the server`,
    async run(ctx) {
      const s = await ctx.initialize({ sendInitialized: false });
      const reply = await s.post(notification("notifications/initialized"));
      const body = await reply.text();
      if (reply.status === 202 && body.length === 0) return ctx.pass("202 with an empty body");
      return ctx.fail(`notifications/initialized answered ${reply.status}${body ? " with a body" : ""}`, {
        expected: "HTTP 202 and an empty body (clients such as the TypeScript SDK only open the GET stream after 202)",
        actual: describe(reply),
      });
    },
  },
  {
    id: "T-POST-04",
    area: "endpoint",
    revisions: STREAMABLE,
    level: "MUST",
    title: "A notification that is not accepted gets an HTTP error status",
    specRef: `${T("2025-03-26")} §Sending messages to the server`,
    async run(ctx) {
      const s = await ctx.initialize();
      if (!s.id) return ctx.skip("the server issues no session id, so there is no notification it must refuse");
      const reply = await s.post(notification("notifications/initialized"), {
        headers: { "mcp-session-id": unknownSessionId() },
      });
      if (!clientError(reply)) {
        await reply.text();
        return ctx.fail(`a notification for an unknown session answered ${reply.status}`, {
          expected: "HTTP 4xx (404 for an unknown session)",
          actual: describe(reply),
        });
      }
      const err = await errorBody(reply);
      if (err && err.id !== undefined && err.id !== null) {
        return ctx.fail(`the error body carries id ${JSON.stringify(err.id)} for a notification, which has no id`, {
          expected: "an error without id (or id null)",
          actual: describe(reply),
        });
      }
      return ctx.pass(`rejected with ${reply.status}`);
    },
  },
  {
    id: "T-POST-05",
    area: "endpoint",
    revisions: STREAMABLE,
    level: "MUST",
    title: "A request is answered with application/json or text/event-stream",
    specRef: `${T("2025-03-26")} §Sending messages to the server`,
    async run(ctx) {
      const s = await ctx.initialize();
      const streaming = await ctx.streamingRequest(s);
      for (
        const [method, params] of [["ping", {}], ["tools/list", {}], [streaming.method, streaming.params]] as const
      ) {
        const call = await s.call(method, params);
        const reply = call.reply;
        if (reply.mediaType !== "application/json" && reply.mediaType !== "text/event-stream") {
          return ctx.fail(`${method} was answered with Content-Type ${reply.headers.get("content-type") ?? "(none)"}`, {
            expected: "application/json or text/event-stream",
            actual: describe(reply),
          });
        }
        if (reply.mediaType === "application/json") {
          const body = await reply.json();
          const one = typeof body === "object" && body !== null && !Array.isArray(body);
          if (!one || (body as Record<string, unknown>).id !== call.id) {
            return ctx.fail(`the JSON answer to ${method} is not one response object with id ${call.id}`, {
              expected: `one JSON object with "id": "${call.id}"`,
              actual: describe(reply),
            });
          }
        }
      }
      return ctx.pass(`ping, tools/list and ${streaming.method} were answered with a permitted media type`);
    },
  },
  {
    id: "T-POST-06",
    area: "endpoint",
    revisions: STREAMABLE,
    level: "SHOULD",
    title: "An SSE response stream carries the response, and no other request's response before it",
    specRef: `${T("2025-03-26")} §Sending messages to the server`,
    async run(ctx) {
      const { id, followed, read } = await ctx.followSseResponse(await ctx.initialize());
      const foreign = read.messages.find((m) => isResponse(m) && m.id !== id);
      if (foreign) {
        return ctx.fail(
          `the stream carried a response to id ${JSON.stringify(foreign.id)} before the response to ${id}`,
          {
            expected: "only requests and notifications before the response",
            actual: JSON.stringify(foreign),
          },
        );
      }
      if (!read.matched) {
        return ctx.fail(`the stream ${read.ended ? "ended" : "stayed silent"} without the response to ${id}`, {
          expected: "the response on the stream",
          actual: ctx.whyMissing(read),
        });
      }
      return ctx.pass(
        followed.reconnects > 0
          ? "the response arrived after resuming the polled stream"
          : "the response arrived on the stream",
      );
    },
  },
  {
    id: "T-POST-07",
    area: "endpoint",
    revisions: STREAMABLE,
    level: "SHOULD",
    title: "The SSE response stream ends after the response",
    specRef: `${T("2025-03-26")} §Sending messages to the server`,
    async run(ctx) {
      const { followed, read } = await ctx.followSseResponse(await ctx.initialize());
      if (!read.matched) return ctx.skip("the response never arrived (see T-POST-06)");
      const wait = Math.min(ctx.timeoutMs, 2000);
      const rest = await followed.current.readUntil(() => false, wait);
      if (rest.ended || followed.current.ended) return ctx.pass("the stream ended after the response");
      return ctx.fail(`the stream stayed open ${wait} ms after the response`, {
        expected: "the server closes the stream once the response is sent",
        actual: "stream still open",
      });
    },
  },
  {
    id: "T-POST-08",
    area: "endpoint",
    revisions: ["2025-03-26", "2025-06-18"],
    level: "SHOULD",
    title: "The SSE response stream is not closed before the response",
    specRef: `${T("2025-03-26")} §Sending messages to the server`,
    async run(ctx) {
      const s = await ctx.initialize();
      const { id, reply } = await ctx.openSseResponse(s);
      const read = await reply.readResponse(id);
      if (read.matched) return ctx.pass("the response arrived before the stream closed");
      if (read.ended) {
        return ctx.fail("the server closed the stream before sending the response", {
          expected: "the response before the stream ends",
          actual: "stream ended without it",
        });
      }
      return ctx.skip(`no response within ${ctx.timeoutMs} ms and the stream is still open (see T-POST-06)`);
    },
  },
  {
    id: "T-POST-14",
    area: "endpoint",
    revisions: STREAMABLE,
    level: "MUST",
    title: "JSON-RPC messages are UTF-8",
    specRef: `${T("2025-03-26")} (messages are UTF-8 encoded)`,
    async run(ctx) {
      const s = await ctx.initialize();
      const echo = await ctx.echoTool(s);
      if (!echo) return ctx.skip("needs an echo tool (a tool named like echo with a string argument)");
      const text = "héllo ☃ 𝄞 ünïcode";
      const call = await s.call("tools/call", { name: echo.name, arguments: { [echo.arg]: text } });
      const type = call.reply.headers.get("content-type") ?? "";
      const charset = /charset\s*=\s*"?([^;"\s]+)/i.exec(type)?.[1];
      if (charset && charset.toLowerCase() !== "utf-8" && charset.toLowerCase() !== "utf8") {
        return ctx.fail(`the answer declares charset ${charset}`, {
          expected: "UTF-8 (no charset or charset=utf-8)",
          actual: type,
        });
      }
      if (!call.response) return ctx.skip("the echo tool did not answer (see T-POST-06)");
      if (!JSON.stringify(call.response).includes(text)) {
        return ctx.fail("the echoed non-ASCII text did not come back intact as UTF-8", {
          expected: JSON.stringify(text),
          actual: call.response ? excerpt(call.response) : "no response",
        });
      }
      return ctx.pass("non-ASCII text round-tripped as UTF-8");
    },
  },
];
