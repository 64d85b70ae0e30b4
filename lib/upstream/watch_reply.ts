/**
 * Watching the reply of a request on its way back from the upstream: every request gets exactly one
 * response. A request whose reply stream ends or breaks without its response gets a JSON-RPC error (never a
 * hang, docs/field-notes.md item 15), and, with a request timeout, a request that hears nothing for that long gets a
 * timeout error while the upstream gets `notifications/cancelled` (docs/field-notes.md item 6: progress resets the clock).
 *
 * @module
 */
import type { JsonRpcId, JsonRpcNotification } from "../jsonrpc/types.ts";
import { ErrorCode } from "../jsonrpc/types.ts";
import { PendingResponses } from "../kit/pending.ts";
import type { UpstreamMessage } from "./types.ts";

/** Options of {@linkcode watchReply}. */
export interface WatchReplyOptions {
  /** The ids of the requests whose responses the stream carries. */
  pending: Iterable<JsonRpcId>;
  /** Silence after which the requests time out, in ms (any message on the stream resets it); 0 never. */
  timeoutMs: number;
  /** Sends `notifications/cancelled` upstream for a timed-out request (errors are ignored). */
  cancel: (notification: JsonRpcNotification) => Promise<void>;
  /** Told when the upstream stream failed with an error (before the pending requests get theirs). */
  onFailure?: (error: unknown) => void;
  /** Told when a request timed out. */
  onTimeout?: (id: JsonRpcId) => void;
}

/**
 * Wraps a reply stream as described in the module doc.
 *
 * @returns A stream that carries the upstream's messages and, for every request left without a response when
 * the upstream stream ends, fails or times out, a JSON-RPC error (`-32003` upstream error, `-32004` timeout).
 * @example
 * ```ts ignore
 * const watched = watchReply(reply.messages, { pending: [1], timeoutMs: 30_000, cancel: (n) => send(n) });
 * ```
 */
export function watchReply(
  messages: ReadableStream<UpstreamMessage>,
  options: WatchReplyOptions,
): ReadableStream<UpstreamMessage> {
  const pending = new PendingResponses(options.pending);
  const reader = messages.getReader();
  let done = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const finish = (controller: ReadableStreamDefaultController<UpstreamMessage>, code: number, why: string) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    for (const message of pending.fail(code, why)) controller.enqueue({ message });
    try {
      controller.close();
    } catch {
      // The reader went away.
    }
    void reader.cancel().catch(() => {});
  };

  const arm = (controller: ReadableStreamDefaultController<UpstreamMessage>) => {
    if (options.timeoutMs <= 0) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const ids = [...pending];
      const why = `The request timed out after ${options.timeoutMs} ms without a response or progress`;
      finish(controller, ErrorCode.RequestTimeout, why);
      for (const id of ids) {
        options.onTimeout?.(id);
        void options.cancel({
          jsonrpc: "2.0",
          method: "notifications/cancelled",
          params: { requestId: id, reason: why },
        }).catch(() => {});
      }
    }, options.timeoutMs);
  };

  return new ReadableStream<UpstreamMessage>({
    start: (controller) => {
      if (pending.size === 0) {
        done = true;
        void reader.cancel().catch(() => {});
        controller.close();
        return;
      }
      arm(controller);
    },
    pull: async (controller) => {
      if (done) return;
      let result: ReadableStreamReadResult<UpstreamMessage>;
      try {
        result = await reader.read();
      } catch (error) {
        if (done) return;
        options.onFailure?.(error);
        const why = error instanceof Error ? error.message : "The upstream stream failed";
        finish(controller, ErrorCode.UpstreamError, why);
        return;
      }
      if (done) return;
      if (result.done) {
        finish(controller, ErrorCode.UpstreamError, "The upstream ended the stream without a response");
        return;
      }
      arm(controller);
      const message = result.value.message;
      controller.enqueue(result.value);
      pending.settle(message);
      if (pending.size === 0) {
        done = true;
        clearTimeout(timer);
        controller.close();
        void reader.cancel().catch(() => {});
      }
    },
    cancel: async (reason) => {
      done = true;
      clearTimeout(timer);
      await reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}
