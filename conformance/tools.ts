/**
 * The server's tools as a check finds them: {@linkcode ToolContext} adds to {@linkcode ExchangeContext}
 * (exchange.ts) the `tools/list` of the revision under test (cached in the environment), the tools that
 * stream progress, trigger a notification or echo their argument (from `--stream-tool` and `--notify-tool`,
 * else picked by name), and the request most likely to be answered with an SSE stream. `Context`
 * (context.ts) adds sessions and streams on top.
 *
 * @module
 */
import type { Message, Reply } from "./reply.ts";
import { echoArgOf, NO_STREAM_TOOL, pickTool, rpc, STREAM_TOOL_PATTERNS } from "./messages.ts";
import type { Session } from "./session.ts";
import { SkipError, type ToolSpec } from "./environment.ts";
import { ExchangeContext } from "./exchange.ts";

/**
 * The tool side of a check's context (the base of `Context`): the server's tools in a session, and the
 * tools and requests the checks drive streams with. A missing tool is a {@linkcode SkipError}: the check
 * cannot run, which is not the server's fault.
 *
 * @example
 * ```ts ignore
 * const { id, reply } = await ctx.startStreamTool(session, "progress-1");
 * const read = await reply.readResponse(id, ctx.streamWaitMs);
 * ```
 */
export class ToolContext extends ExchangeContext {
  /** The server's tools (`tools/list`), cached per revision; `[]` when the call fails. */
  async tools(session: Session): Promise<Message[]> {
    const cached = this.env.toolCache.get(this.revision);
    if (cached) return cached;
    const { response } = await session.call("tools/list", {});
    const result = response?.result as Message | undefined;
    const tools = Array.isArray(result?.tools) ? (result.tools as Message[]) : [];
    this.env.toolCache.set(this.revision, tools);
    return tools;
  }

  /**
   * The tool that streams progress: `--stream-tool`, else a candidate from `tools/list` (names with
   * progress, stream, slow, long, then sleep/wait/delay/countdown/tick; never sampling/elicitation/roots tools).
   *
   * @throws {SkipError} when there is none
   */
  async streamTool(session: Session): Promise<ToolSpec> {
    if (this.env.streamTool) return this.env.streamTool;
    const found = pickTool(await this.tools(session), STREAM_TOOL_PATTERNS);
    if (!found) throw new SkipError(NO_STREAM_TOOL);
    return found;
  }

  /**
   * The tool that makes the server send a notification (e.g. `notifications/tools/list_changed`).
   *
   * @throws {SkipError} when there is none
   */
  async notifyTool(session: Session): Promise<ToolSpec> {
    if (this.env.notifyTool) return this.env.notifyTool;
    const found = pickTool(await this.tools(session), [/list.?changed/i, /notif/i]);
    if (!found) throw new SkipError("no tool that triggers a server notification was found in tools/list");
    return found;
  }

  /** Calls the stream tool with a progress token; returns the reply (unread) and the request id. */
  async startStreamTool(session: Session, progressToken: string): Promise<{ id: string; reply: Reply }> {
    const tool = await this.streamTool(session);
    const id = this.nextId("stream");
    const reply = await session.post(
      rpc(id, "tools/call", { name: tool.name, arguments: tool.args, _meta: { progressToken } }),
    );
    return { id, reply };
  }

  /**
   * How long to wait for the stream tool's answer after a disconnect, a resumption or a cancel: the timeout
   * when `--stream-tool` names the tool (its run time is unknown), else at most 2000 ms — the suite calls a tool
   * it picked with short durations (1 s, 3 steps, 200 ms), so its answer is due within about a second.
   */
  get streamWaitMs(): number {
    return this.env.streamTool ? this.timeoutMs : Math.min(this.timeoutMs, 2000);
  }

  /** An echo-like tool: a tool named like `echo` and the name of its string argument; undefined when none. */
  async echoTool(session: Session): Promise<{ name: string; arg: string } | undefined> {
    const tools = await this.tools(session);
    const tool = tools.find((t) => typeof t.name === "string" && /echo/i.test(t.name));
    return tool ? { name: tool.name as string, arg: echoArgOf(tool) } : undefined;
  }

  /**
   * The request most likely to be answered with an SSE stream: the echo tool, else the stream tool, else
   * `tools/list`. Returns method and params.
   */
  async streamingRequest(
    session: Session,
    text = "hello",
  ): Promise<{ method: string; params: Record<string, unknown> }> {
    const echo = await this.echoTool(session);
    if (echo) return { method: "tools/call", params: { name: echo.name, arguments: { [echo.arg]: text } } };
    try {
      const tool = await this.streamTool(session);
      return { method: "tools/call", params: { name: tool.name, arguments: tool.args } };
    } catch {
      return { method: "tools/list", params: {} };
    }
  }
}
