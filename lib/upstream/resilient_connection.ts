/**
 * The connection of {@linkcode resilientUpstream} (`resilient.ts`, whose module doc describes the behaviour):
 * one client connection over a succession of inner connections, and the options and events of it.
 *
 * @module
 */
import type { JsonRpcMessage, JsonRpcNotification, JsonRpcRequest } from "../jsonrpc/types.ts";
import { isNotification, isRequest } from "../jsonrpc/types.ts";
import { backoffDelay, type BackoffOptions, type ResolvedBackoff } from "../kit/backoff.ts";
import { sleep } from "../kit/deadline.ts";
import { replayInitialize } from "./replay_initialize.ts";
import { type ListenSource, persistentListen } from "./persistent_listen.ts";
import { RetiringConnections } from "./retiring_connections.ts";
import { retryOnce } from "./retry_once.ts";
import { sendWatched } from "./watched_send.ts";
import {
  type SendContext,
  type Upstream,
  type UpstreamConnection,
  type UpstreamHttpAnswer,
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

/** Options of {@linkcode resilientUpstream} (`resilient.ts`). */
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
 * One client connection over a succession of inner connections: the recovery state machine (generations,
 * recovery budget, give-up) of `resilient.ts`'s module doc. Request-level retries are `retry_once.ts`, watched
 * replies `watched_send.ts`, retired connections `retiring_connections.ts`, the standalone stream
 * `persistent_listen.ts`.
 *
 * @example
 * ```ts ignore
 * const connection = new ResilientConnection(inner, { requestTimeoutMs: 60_000 }, resolveBackoff({}));
 * ```
 */
export class ResilientConnection implements UpstreamConnection {
  #upstream: Upstream;
  #options: ResilienceOptions;
  #backoff: ResolvedBackoff;
  #inner: UpstreamConnection;
  #generation = 0;
  #connections = new RetiringConnections();
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
      if (this.#inner !== inner || this.#connections.isRetired(inner) || this.#closed.signal.aborted) return;
      if (this.#gaveUp) return;
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

  /** Waits for a recovery in progress (if any), then checks the connection is still usable. */
  async #ready(): Promise<void> {
    if (this.#recovering) await this.#recovering.catch(() => {});
    this.#check();
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
    await this.#ready();
    return await this.#retryOnce(
      () => this.#sendOn(this.#inner, messages, context),
      (reply) => reply.type === "http" ? reply : undefined,
    );
  }

  /** `attempt`, retried once after a recovery from a failure seen on the current generation (`retry_once.ts`). */
  #retryOnce<T>(attempt: () => Promise<T>, answerOf: (result: T) => UpstreamHttpAnswer | undefined): Promise<T> {
    const generation = this.#generation;
    return retryOnce(attempt, {
      answerOf,
      canRecover: () => this.#canRecover(),
      recover: (reason) => this.#recover(generation, reason),
    });
  }

  /** Sends on one inner connection and watches the reply (`watched_send.ts`). */
  #sendOn(inner: UpstreamConnection, messages: JsonRpcMessage[], context?: SendContext): Promise<UpstreamReply> {
    const generation = this.#generation;
    return sendWatched(inner, messages, context, {
      timeoutMs: this.#options.requestTimeoutMs ?? 0,
      hold: () => this.#connections.hold(inner),
      onTimeout: (id) => this.#options.onEvent?.({ type: "request-timeout", id }),
      onFailure: (error) => {
        // The stream broke for good (the session is gone, or the upstream is down): recover for what follows.
        if (error instanceof UpstreamUnavailableError && this.#canRecover()) {
          void this.#recover(generation, error.message).catch(() => {});
        }
      },
    });
  }

  async listen(context?: SendContext) {
    this.#check();
    await this.#ready();
    const first = await this.#retryOnce(
      () => this.#inner.listen(context),
      (answer) => answer !== null && "type" in answer ? answer : undefined,
    );
    if (first === null || "type" in first) return first;
    return persistentListen(first, this.#listenSource(context));
  }

  /** How the standalone stream follows this connection across recoveries (`persistent_listen.ts`). */
  #listenSource(context?: SendContext): ListenSource {
    return {
      generation: () => this.#generation,
      finished: () => this.#gaveUp !== undefined || this.#closed.signal.aborted,
      canRecover: () => this.#canRecover(),
      recover: (generation, reason) => this.#recover(generation, reason),
      settled: () => this.#recovering?.catch(() => {}),
      changed: (generation) => generation === this.#generation ? this.#nextGeneration.promise : Promise.resolve(),
      listen: () => this.#inner.listen(context),
    };
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
    this.#countRecovery(reason);
    // The old connection is retired, not closed: replies still streaming on it are delivered (or fail on
    // their own, each with its own error) rather than cut.
    this.#connections.retire(this.#inner);
    let last = reason;
    for (let attempt = 0; attempt < this.#backoff.maxAttempts; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(attempt - 1, this.#backoff), this.#closed.signal);
      this.#check();
      const inner = this.#upstream.connect();
      const failure = await this.#replayInitialize(inner);
      if (failure !== undefined) {
        last = failure;
        this.#options.onEvent?.({ type: "recovery-failed", attempt, reason: last });
        this.#connections.markRetired(inner);
        await inner.close().catch(() => {});
        continue;
      }
      if (this.#closed.signal.aborted) {
        await inner.close().catch(() => {});
        this.#check();
      }
      this.#promote(inner);
      this.#options.onEvent?.({ type: "reinitialized", attempt });
      return;
    }
    throw this.#giveUp(`The upstream could not be re-initialized after ${this.#backoff.maxAttempts} attempts: ${last}`);
  }

  /** Counts one more recovery in the window; gives up (throws) past `maxRecoveries`. */
  #countRecovery(reason: string): void {
    const now = Date.now();
    const window = this.#options.recoveryWindowMs ?? 60_000;
    const max = this.#options.maxRecoveries ?? 5;
    this.#recoveries = this.#recoveries.filter((t) => now - t < window);
    if (this.#recoveries.length >= max) {
      throw this.#giveUp(`The upstream failed ${max + 1} times within ${window} ms; giving up (last: ${reason})`);
    }
    this.#recoveries.push(now);
  }

  /** Replays the client's initialize on `inner`; returns why it failed, or `undefined` when it worked. */
  async #replayInitialize(inner: UpstreamConnection): Promise<string | undefined> {
    try {
      await replayInitialize(inner, {
        initialize: this.#init!,
        ...(this.#initialized ? { initialized: this.#initialized } : {}),
        ...(this.#initHeaders ? { headers: this.#initHeaders } : {}),
        timeoutMs: this.#options.initializeTimeoutMs ?? 15_000,
      });
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  /** Makes `inner` the current connection: a new generation, and the standalone stream moves to it. */
  #promote(inner: UpstreamConnection): void {
    this.#inner = this.#adopt(inner);
    this.#generation++;
    this.#nextGeneration.resolve();
    this.#nextGeneration = Promise.withResolvers<void>();
  }

  #giveUp(reason: string): UpstreamUnavailableError {
    if (this.#gaveUp === undefined) {
      this.#gaveUp = reason;
      this.#options.onEvent?.({ type: "gave-up", reason });
      this.#connections.markRetired(this.#inner);
      void this.#inner.close().catch(() => {});
      this.#connections.closeDraining();
      this.#endedResolve();
    }
    return new UpstreamUnavailableError(reason);
  }

  async close(): Promise<void> {
    if (this.#closed.signal.aborted) return;
    this.#closed.abort();
    this.#connections.markRetired(this.#inner);
    this.#endedResolve();
    this.#connections.closeDraining();
    await this.#inner.close();
  }
}
