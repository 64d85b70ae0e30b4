/**
 * The forward proxy: the stdio face (`lib/downstream/stdio.ts`) over the default upstream stack, with the
 * same connectors, resilience, rules and recording as the reverse proxy. `mcpwire forward` is argument
 * parsing plus one call of {@linkcode startForwardProxy}.
 *
 * @module
 */
import { serveStdio, type StdioFace, type StdioFaceOptions } from "../downstream/stdio.ts";
import type { Upstream } from "../upstream/types.ts";
import type { TapeRecorder } from "../record/recorder.ts";
import { buildUpstream, recorderFor, type RecordingOptions, type UpstreamStackOptions } from "./stack.ts";

/** Options of {@linkcode startForwardProxy}: the stdio face's options and the default stack's. */
export type ForwardProxyOptions = Omit<StdioFaceOptions, "upstream"> & UpstreamStackOptions & RecordingOptions;

/** A running forward proxy. */
export interface ForwardProxy extends StdioFace {
  /** The outermost layer of the upstream stack (its `description` is the URL or command). */
  upstream: Upstream;
}

/**
 * Starts forwarding `options.input` (newline-delimited JSON-RPC) to the upstream and its messages to
 * `options.output`.
 *
 * @param options What to proxy to, the client's streams, and hooks.
 * @returns The running proxy; `done` says why it stopped.
 * @throws {TypeError} For an upstream that is not an http(s) URL, a command line or an `Upstream`.
 * @example
 * ```ts ignore
 * import { runtime } from "../runtime/mod.ts";
 * const proxy = startForwardProxy({
 *   upstream: "http://127.0.0.1:3001/mcp",
 *   input: runtime.stdin(),
 *   output: (text) => runtime.writeStdout(text),
 * });
 * await proxy.done;
 * ```
 */
export function startForwardProxy(options: ForwardProxyOptions): ForwardProxy {
  const tape: { recorder?: TapeRecorder | undefined } = {};
  // The tape shows both hops of a bridged session: the upstream hop is observed below the session core.
  const { upstream, description } = buildUpstream({
    ...options,
    onBridgedMessage: (e) => {
      tape.recorder?.onMessage(e);
      options.onBridgedMessage?.(e);
    },
  });
  const recorder = tape.recorder = recorderFor(options, description);
  const onMessage = options.onMessage;
  const face = serveStdio({
    ...options,
    upstream,
    ...(recorder || onMessage
      ? {
        onMessage: (e) => {
          recorder?.onMessage(e);
          onMessage?.(e);
        },
      }
      : {}),
  });
  const done = face.done.then(async (why) => {
    await recorder?.close();
    return why;
  });
  return { done, close: face.close, upstream };
}
