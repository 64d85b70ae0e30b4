/**
 * Small stream helpers of the interceptor decorator.
 *
 * @module
 */

/** `head` first, then every item of `tail` as it arrives (no buffering); cancelling cancels `tail`. */
export function _prepend<T>(head: T[], tail: ReadableStream<T>): ReadableStream<T> {
  const reader = tail.getReader();
  let i = 0;
  return new ReadableStream<T>({
    async pull(controller) {
      if (i < head.length) {
        controller.enqueue(head[i++]!);
        return;
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
