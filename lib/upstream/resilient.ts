/**
 * The resilient upstream: a decorator over any {@linkcode Upstream} that rides through upstream failures so
 * the client notices nothing but a delay (docs/architecture.md "Self-healing", docs/field-notes.md items 2, 6, 15).
 *
 * - It records the client's `initialize` and `notifications/initialized`.
 * - When the upstream forgot the session (HTTP 404 to a request that carried the session id, T-SESS-06/07;
 *   or 400 "no valid session", see `session_lost.ts`; a stateless upstream's 404 never counts), when it cannot
 *   be reached, or when a stdio child exits, it opens a fresh inner connection, replays the recorded
 *   `initialize` under a proxy-owned id (its InitializeResult never reaches the client) and
 *   `notifications/initialized`, and retries the failed request once (it was refused, so it never ran).
 * - A recovery never cuts the replies in flight: the old inner connection is retired, not closed, until every
 *   reply on it is over, so whatever the upstream still answers there is delivered; a reply whose stream was
 *   lost with the session gets its own JSON-RPC error naming the session (it may have run, so it is not
 *   retried).
 * - Requests in flight on a dead upstream get a JSON-RPC error; with a request timeout, silent requests get
 *   one too and the upstream gets `notifications/cancelled` (see `watch_reply.ts`).
 * - The standalone stream survives recoveries: it is re-opened on the new inner connection.
 * - Repeated failures end in a clear error: recovery attempts back off, and after `maxRecoveries` within
 *   `recoveryWindowMs` (or a recovery that exhausted its attempts) the connection gives up and `ended`
 *   resolves. It never loops tightly.
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcNotification, JsonRpcRequest } from "../jsonrpc/types.ts";
import { isNotification, isRequest } from "../jsonrpc/types.ts";
import { backoffDelay, type BackoffOptions, resolveBackoff, type ResolvedBackoff } from "../kit/backoff.ts";
import { sleep } from "../kit/deadline.ts";
import { isSessionLost } from "./session_lost.ts";
import { replayInitialize } from "./replay_initialize.ts";
import { watchReply } from "./watch_reply.ts";
import { persistentListen } from "./persistent_listen.ts";
import {
  type SendContext,
  type Upstream,
  type UpstreamConnection,
  type UpstreamHttpAnswer,
  type UpstreamMessage,
  type UpstreamReply,
  UpstreamUnavailableError,
} from "./types.ts";

/** What happened during recovery, for logs. */
export type ResilienceEvent =
  | { type: "session-lost"; reason: string }
  | { type: "reinitialized"; attempt: number }
  | { type: "recovery-failed"; attempt: number; reason: string }
  | { type: "gave-up"; reason: string }
  | { type: "request-timeout"; id: string | number };

/** Options of {@linkcode resilientUpstream}. */
export interface ResilienceOptions {
  /** Re-initialize (and respawn) after a lost session or a dead upstream; `false` only adds timeouts. @default true */
  reinitialize?: boolean;
  /** Backoff between re-initialization attempts. @default { initialDelayMs: 250, maxDelayMs: 5_000, maxAttempts: 6 } */
  recovery?: BackoffOptions;
  /** Most recoveries within `recoveryWindowMs` before giving up (a flapping upstream). @default 5 */
  maxRecoveries?: number;
  /** The window of `maxRecoveries`, in ms. @default 60_000 */
  recoveryWindowMs?: number;
  /** Time allowed for a replayed initialize to be answered, in ms. @default 15_000 */
  initializeTimeoutMs?: number;
  /** Silence after which a request times out (any message on its stream, e.g. progress, resets it), in ms; 0 off. @default 0 */
  requestTimeoutMs?: number;
  /** Observes recoveries, give-ups and timeouts (for logs). */
  onEvent?: (event: ResilienceEvent) => void;
}

/**
 * Wraps `inner` so that its connections recover from upstream failures as described in the module doc.
 *
 * @example
 * ```ts ignore
 * const upstream = resilientUpstream(httpUpstream({ url: "http://127.0.0.1:3001/mcp" }), { requestTimeoutMs: 60_000 });
 * const proxy = createReverseProxy({ upstream });
 * ```
 */
export function resilientUpstream(inner: Upstream, options: ResilienceOptions = {}): Upstream {
  const recovery = resolveBackoff({ initialDelayMs: 250, maxDelayMs: 5_000, maxAttempts: 6, ...options.recovery });
  const upstream: Upstream = {
    description: inner.description,
    connect: () => new _ResilientConnection(inner, options, recovery),
  };
  RESILIENT.add(upstream);
  return upstream;
}

const RESILIENT = new WeakSet<Upstream>();

/**
 * Was `upstream` made by {@linkcode resilientUpstream}? The default stack uses it so that an upstream the
 * caller already made resilient is not wrapped twice.
 *
 * @example
 * ```ts ignore
 * console.assert(isResilient(resilientUpstream(inner)) && !isResilient(inner));
 * ```
 */
export function isResilient(upstream: Upstream): boolean {
  return RESILIENT.has(upstream);
}

class _ResilientConnection implements UpstreamConnection {
  #upstream: Upstream;
  #options: ResilienceOptions;
  #backoff: ResolvedBackoff;
  #inner: UpstreamConnection;
  #generation = 0;
  #retired = new WeakSet<UpstreamConnection>();
  /** Replies still streaming, per inner connection (a retired connection is closed when its count is 0). */
  #inflight = new Map<UpstreamConnection, number>();
  /** Retired connections that still carry replies; closed when those are over, or with this connection. */
  #draining = new Set<UpstreamConnection>();
  /** Resolved (and replaced) whenever the generation grows: the standalone stream moves on at once. */
  #nextGeneration = Promise.withResolvers<void>();
  #init: JsonRpcRequest | undefined;
  /** The headers of the client's latest request (its `Authorization` may have been refreshed since initialize). */
  #initHeaders: Headers | undefined;
  #initialized: JsonRpcNotification | undefined;
  #recovering: Promise<void> | undefined;
  #recoveries: number[] = [];
  #gaveUp: string | undefined;
  #closed = new AbortController();
  #endedResolve!: () => void;
  readonly ended: Promise<void> = new Promise((resolve) => (this.#endedResolve = resolve));

  constructor(upstream: Upstream, options: ResilienceOptions, backoff: ResolvedBackoff) {
    this.#upstream = upstream;
    this.#options = options;
    this.#backoff = backoff;
    this.#inner = this.#adopt(upstream.connect());
  }

  /** Watches an inner connection: when it ends by itself (child exit, legacy stream gone), recover at once. */
  #adopt(inner: UpstreamConnection): UpstreamConnection {
    void inner.ended.then(() => {
      if (this.#inner !== inner || this.#retired.has(inner) || this.#closed.signal.aborted || this.#gaveUp) return;
      if (!this.#canRecover()) {
        this.#giveUp("The upstream connection ended");
        return;
      }
      void this.#recover(this.#generation, "The upstream connection ended").catch(() => {});
    });
    return inner;
  }

  #canRecover(): boolean {
    return (this.#options.reinitialize ?? true) && this.#init !== undefined && !this.#closed.signal.aborted &&
      this.#gaveUp === undefined;
  }

  #check(): void {
    if (this.#closed.signal.aborted) throw new UpstreamUnavailableError("The upstream connection is closed");
    if (this.#gaveUp !== undefined) throw new UpstreamUnavailableError(this.#gaveUp);
  }

  async send(messages: JsonRpcMessage[], context?: SendContext): Promise<UpstreamReply> {
    this.#check();
    const first = messages[0];
    if (messages.length === 1 && first && isRequest(first) && first.method === "initialize") {
      this.#init = first;
      this.#initHeaders = context?.headers ? new Headers(context.headers) : undefined;
      return await this.#sendOn(this.#inner, messages, context);
    }
    for (const m of messages) {
      if (isNotification(m) && m.method === "notifications/initialized") this.#initialized = m;
    }
    if (context?.headers) this.#initHeaders = new Headers(context.headers);
    if (this.#recovering) await this.#recovering.catch(() => {});
    this.#check();
    const generation = this.#generation;
    let reply: UpstreamReply;
    try {
      reply = await this.#sendOn(this.#inner, messages, context);
    } catch (error) {
      if (!(error instanceof UpstreamUnavailableError) || !this.#canRecover()) throw error;
      await this.#recover(generation, error.message);
      return await this.#sendOn(this.#inner, messages, context);
    }
    if (reply.type === "http" && this.#canRecover() && await _sessionLost(reply)) {
      const status = reply.response.status;
      await reply.response.body?.cancel().catch(() => {});
      await this.#recover(generation, `The upstream answered HTTP ${status} for the session`);
      // Retried once (the refused request never ran): a second failure reaches the client as it is.
      reply = await this.#sendOn(this.#inner, messages, context);
    }
    return reply;
  }

  /**
   * Sends on one inner connection and watches the reply; the connection counts as busy until the reply is
   * over, so a recovery meanwhile retires it without cutting that reply.
   */
  async #sendOn(inner: UpstreamConnection, messages: JsonRpcMessage[], context?: SendContext): Promise<UpstreamReply> {
    const generation = this.#generation;
    const release = this.#hold(inner);
    let reply: UpstreamReply;
    try {
      reply = await inner.send(messages, context);
    } catch (error) {
      release();
      throw error;
    }
    if (reply.type !== "messages") {
      release();
      return reply;
    }
    const watched = watchReply(reply.messages, {
      pending: messages.filter(isRequest).map((r) => r.id),
      timeoutMs: this.#options.requestTimeoutMs ?? 0,
      cancel: async (notification) => {
        const r = await inner.send([notification], context);
        if (r.type === "http") await r.response.body?.cancel();
        if (r.type === "messages") await r.messages.cancel();
      },
      onTimeout: (id) => this.#options.onEvent?.({ type: "request-timeout", id }),
      onFailure: (error) => {
        // The stream broke for good (the session is gone, or the upstream is down): recover for what follows.
        if (error instanceof UpstreamUnavailableError && this.#canRecover()) {
          void this.#recover(generation, error.message).catch(() => {});
        }
      },
    });
    return { ...reply, messages: _onSettled(watched, release) };
  }

  /** Marks `inner` busy with one more reply; the returned function (idempotent) says that reply is over. */
  #hold(inner: UpstreamConnection): () => void {
    this.#inflight.set(inner, (this.#inflight.get(inner) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#inflight.get(inner) ?? 1) - 1;
      if (left > 0) {
        this.#inflight.set(inner, left);
        return;
      }
      this.#inflight.delete(inner);
      if (this.#draining.delete(inner)) void inner.close().catch(() => {});
    };
  }

  /**
   * Retires `inner` (a recovery replaced it): closed at once when idle, otherwise once its last reply is over.
   * Closing it earlier would cut replies the upstream may still deliver (its close ends every stream).
   */
  #retire(inner: UpstreamConnection): void {
    this.#retired.add(inner);
    if (this.#inflight.has(inner)) this.#draining.add(inner);
    else void inner.close().catch(() => {});
  }

  /** Closes every retired connection still draining (at give-up and close: nothing more will be read). */
  #closeDraining(): void {
    for (const inner of this.#draining) void inner.close().catch(() => {});
    this.#draining.clear();
  }

  async listen(context?: SendContext) {
    this.#check();
    if (this.#recovering) await this.#recovering.catch(() => {});
    this.#check();
    const generation = this.#generation;
    let first;
    try {
      first = await this.#inner.listen(context);
    } catch (error) {
      if (!(error instanceof UpstreamUnavailableError) || !this.#canRecover()) throw error;
      await this.#recover(generation, error.message);
      first = await this.#inner.listen(context);
    }
    if (first !== null && "type" in first && this.#canRecover() && await _sessionLost(first)) {
      await first.response.body?.cancel().catch(() => {});
      await this.#recover(generation, `The upstream answered HTTP ${first.response.status} for the session`);
      first = await this.#inner.listen(context);
    }
    if (first === null || "type" in first) return first;
    return persistentListen(first, {
      generation: () => this.#generation,
      finished: () => this.#gaveUp !== undefined || this.#closed.signal.aborted,
      canRecover: () => this.#canRecover(),
      recover: (generation, reason) => this.#recover(generation, reason),
      settled: () => this.#recovering?.catch(() => {}),
      changed: (generation) => generation === this.#generation ? this.#nextGeneration.promise : Promise.resolve(),
      listen: () => this.#inner.listen(context),
    });
  }

  /** Recovers from a failure seen on `generation`; one recovery at a time, none when another already replaced it. */
  #recover(generation: number, reason: string): Promise<void> {
    if (this.#recovering) return this.#recovering;
    if (generation !== this.#generation) return Promise.resolve();
    try {
      this.#check();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#recovering = this.#reinitialize(reason).finally(() => (this.#recovering = undefined));
    return this.#recovering;
  }

  async #reinitialize(reason: string): Promise<void> {
    this.#options.onEvent?.({ type: "session-lost", reason });
    const now = Date.now();
    const window = this.#options.recoveryWindowMs ?? 60_000;
    const max = this.#options.maxRecoveries ?? 5;
    this.#recoveries = this.#recoveries.filter((t) => now - t < window);
    if (this.#recoveries.length >= max) {
      throw this.#giveUp(`The upstream failed ${max + 1} times within ${window} ms; giving up (last: ${reason})`);
    }
    this.#recoveries.push(now);
    // The old connection is retired, not closed: replies still streaming on it are delivered (or fail on
    // their own, each with its own error) rather than cut.
    this.#retire(this.#inner);
    let last = reason;
    for (let attempt = 0; attempt < this.#backoff.maxAttempts; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(attempt - 1, this.#backoff), this.#closed.signal);
      this.#check();
      const inner = this.#upstream.connect();
      try {
        await replayInitialize(inner, {
          initialize: this.#init!,
          ...(this.#initialized ? { initialized: this.#initialized } : {}),
          ...(this.#initHeaders ? { headers: this.#initHeaders } : {}),
          timeoutMs: this.#options.initializeTimeoutMs ?? 15_000,
        });
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
        this.#options.onEvent?.({ type: "recovery-failed", attempt, reason: last });
        this.#retired.add(inner);
        await inner.close().catch(() => {});
        continue;
      }
      if (this.#closed.signal.aborted) {
        await inner.close().catch(() => {});
        this.#check();
      }
      this.#inner = this.#adopt(inner);
      this.#generation++;
      this.#nextGeneration.resolve();
      this.#nextGeneration = Promise.withResolvers<void>();
      this.#options.onEvent?.({ type: "reinitialized", attempt });
      return;
    }
    throw this.#giveUp(`The upstream could not be re-initialized after ${this.#backoff.maxAttempts} attempts: ${last}`);
  }

  #giveUp(reason: string): UpstreamUnavailableError {
    if (this.#gaveUp === undefined) {
      this.#gaveUp = reason;
      this.#options.onEvent?.({ type: "gave-up", reason });
      this.#retired.add(this.#inner);
      void this.#inner.close().catch(() => {});
      this.#closeDraining();
      this.#endedResolve();
    }
    return new UpstreamUnavailableError(reason);
  }

  async close(): Promise<void> {
    if (this.#closed.signal.aborted) return;
    this.#closed.abort();
    this.#retired.add(this.#inner);
    this.#endedResolve();
    this.#closeDraining();
    await this.#inner.close();
  }
}

/**
 * Whether an HTTP answer means the session is gone: the connector's verdict when it gave one (it knows whether
 * the request carried a session id, T-SESS-06/07), otherwise the response's own look (`isSessionLost`).
 */
async function _sessionLost(answer: UpstreamHttpAnswer): Promise<boolean> {
  return answer.sessionLost ?? await isSessionLost(answer.response);
}

/** `stream`, calling `done` once when it ends, fails or is cancelled. */
function _onSettled(stream: ReadableStream<UpstreamMessage>, done: () => void): ReadableStream<UpstreamMessage> {
  const reader = stream.getReader();
  return new ReadableStream<UpstreamMessage>({
    pull: async (controller) => {
      let result: ReadableStreamReadResult<UpstreamMessage>;
      try {
        result = await reader.read();
      } catch (error) {
        done();
        controller.error(error);
        return;
      }
      if (result.done) {
        done();
        controller.close();
        return;
      }
      controller.enqueue(result.value);
    },
    cancel: async (reason) => {
      done();
      await reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}
