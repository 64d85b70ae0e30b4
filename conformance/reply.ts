/**
 * One HTTP response as the suite reads it: bounded reads of JSON or SSE bodies, with evidence kept up to date.
 *
 * @module
 */
import { decodeSse, type SseItem } from "../lib/sse/mod.ts";
import { mediaType } from "../lib/protocol/mod.ts";
import type { Evidence } from "./terms.ts";

/** A parsed JSON-RPC-looking object from a body or an SSE `data` field. */
export type Message = Record<string, unknown>;

/** What a bounded SSE read saw. */
export interface ReadResult {
  /** Every SSE item read by this call (events, retry fields). */
  items: SseItem[];
  /** JSON objects from `data` fields read by this call (arrays flattened). */
  messages: Message[];
  /** The message that satisfied the predicate, if any. */
  matched?: Message;
  /** The body ended (the server closed the stream). */
  ended: boolean;
  /** The deadline passed before the predicate matched or the body ended. */
  timedOut: boolean;
}

const EVIDENCE_BODY_LIMIT = 4000;

/** The media type of a `Content-Type` value, lower case, without parameters (`""` when absent). */
export const mediaTypeOf = mediaType;

/** Parses an SSE `data` payload into JSON-RPC-looking objects; arrays are flattened, non-JSON gives `[]`. */
export function messagesOf(data: string): Message[] {
  if (data.trim() === "") return [];
  try {
    const value: unknown = JSON.parse(data);
    const list = Array.isArray(value) ? value : [value];
    return list.filter((m): m is Message => typeof m === "object" && m !== null && !Array.isArray(m));
  } catch {
    return [];
  }
}

function frameText(item: SseItem): string {
  if (item.type === "retry") return `retry: ${item.retry}\n\n`;
  if (item.type === "comment") return `: ${item.comment}\n\n`;
  if (item.type === "id") return `id: ${item.id}\n\n`;
  let text = "";
  if (item.event !== undefined) text += `event: ${item.event}\n`;
  if (item.id !== undefined) text += `id: ${item.id}\n`;
  return text + `data: ${item.data}\n\n`;
}

/**
 * A response under test. Reads are bounded: every wait takes a timeout in milliseconds and returns what was
 * seen so far instead of hanging. `close()` cancels the body (the server sees a disconnect).
 */
export class Reply {
  /** HTTP status code. */
  readonly status: number;
  /** Response headers. */
  readonly headers: Headers;
  /** Media type without parameters, lower case. */
  readonly mediaType: string;
  /** The evidence record of this exchange; the body is filled in as it is read. */
  readonly evidence: Evidence;
  /** All SSE items read so far. */
  readonly items: SseItem[] = [];
  /** All messages read so far (SSE data or the JSON body). */
  readonly messages: Message[] = [];
  /** True once the body has ended. */
  ended = false;
  #response: Response;
  #reader?: ReadableStreamDefaultReader<SseItem>;
  #pending?: Promise<ReadableStreamReadResult<SseItem>>;
  #text?: string;
  #defaultTimeoutMs: number;

  /** Wraps `response`; `evidence` is the record to fill in; reads default to `timeoutMs`. */
  constructor(response: Response, evidence: Evidence, timeoutMs: number) {
    this.#response = response;
    this.status = response.status;
    this.headers = response.headers;
    this.mediaType = mediaTypeOf(response.headers.get("content-type"));
    this.evidence = evidence;
    this.#defaultTimeoutMs = timeoutMs;
  }

  /** True when the response is `text/event-stream`. */
  get isSse(): boolean {
    return this.mediaType === "text/event-stream";
  }

  /** The whole body as text (SSE bodies: frames read until the end or the timeout). */
  async text(timeoutMs = this.#defaultTimeoutMs): Promise<string> {
    if (this.isSse) {
      await this.readUntil(() => false, timeoutMs);
      return this.items.map(frameText).join("");
    }
    if (this.#text !== undefined) return this.#text;
    const body = this.#response.body;
    if (!body) {
      this.#text = "";
      this.ended = true;
      return "";
    }
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const deadline = Date.now() + timeoutMs;
    let text = "";
    while (true) {
      const left = deadline - Date.now();
      const chunk = left <= 0 ? "timeout" : await _race(reader.read(), left);
      if (chunk === "timeout") {
        reader.cancel().catch(() => {});
        this.evidence.error = `the body did not end within ${timeoutMs} ms`;
        break;
      }
      if (chunk.done) {
        this.ended = true;
        break;
      }
      text += decoder.decode(chunk.value, { stream: true });
    }
    text += decoder.decode();
    this.#text = text;
    this.#setBody(text);
    this.messages.push(...messagesOf(text));
    if (this.messages.length === 0 && /^(?:data|event|id|retry):|^:/m.test(text)) {
      // An SSE body under the wrong Content-Type: T-POST-05 judges the label; the other checks still read it.
      const reader = decodeSse(new Response(text).body!).getReader();
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value.type === "event") this.messages.push(...messagesOf(value.data));
      }
    }
    return text;
  }

  /** The body parsed as JSON, or `undefined` when it is empty or not JSON. */
  async json(timeoutMs = this.#defaultTimeoutMs): Promise<unknown> {
    const text = await this.text(timeoutMs);
    try {
      return text.trim() === "" ? undefined : JSON.parse(text);
    } catch {
      return undefined;
    }
  }

  /**
   * Reads SSE items until `predicate` accepts a message, the body ends, or `timeoutMs` passes. For a JSON
   * body the whole body is read and its messages are tested.
   */
  async readUntil(predicate: (message: Message) => boolean, timeoutMs = this.#defaultTimeoutMs): Promise<ReadResult> {
    const result: ReadResult = { items: [], messages: [], ended: false, timedOut: false };
    if (!this.isSse) {
      await this.text(timeoutMs);
      result.messages.push(...this.messages);
      result.matched = this.messages.find(predicate);
      result.ended = this.ended;
      result.timedOut = !this.ended;
      return result;
    }
    const deadline = Date.now() + timeoutMs;
    while (true) {
      if (this.ended) {
        result.ended = true;
        return result;
      }
      const left = deadline - Date.now();
      const next = left <= 0 ? "timeout" : await this.#next(left);
      if (next === "timeout") {
        result.timedOut = true;
        return result;
      }
      if (next === "end") {
        result.ended = true;
        return result;
      }
      result.items.push(next);
      if (next.type !== "event") continue;
      for (const message of messagesOf(next.data)) {
        result.messages.push(message);
        if (!result.matched && predicate(message)) result.matched = message;
      }
      if (result.matched) return result;
    }
  }

  /** Reads until the response to request `id` arrives (a message with that id and `result` or `error`). */
  readResponse(id: string | number, timeoutMs = this.#defaultTimeoutMs): Promise<ReadResult> {
    return this.readUntil((m) => m.id === id && ("result" in m || "error" in m) && !("method" in m), timeoutMs);
  }

  /** Reads the next SSE item (events and retry fields), or `"end"`, or `"timeout"` after `timeoutMs`. */
  async nextItem(timeoutMs = this.#defaultTimeoutMs): Promise<SseItem | "end" | "timeout"> {
    if (this.ended) return "end";
    return await this.#next(timeoutMs);
  }

  /** Reads the next SSE *event* (skipping `retry` fields and comments), or `"end"`, or `"timeout"`. */
  async nextEvent(timeoutMs = this.#defaultTimeoutMs): Promise<SseItem | "end" | "timeout"> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const item = await this.nextItem(Math.max(0, deadline - Date.now()));
      if (typeof item !== "object" || item.type === "event") return item;
    }
  }

  /** Cancels the body: the server sees the client go away. Safe to call twice. */
  async close(): Promise<void> {
    try {
      if (this.#reader) await _race(this.#reader.cancel(), 200);
      else if (this.#response.body && !this.#response.bodyUsed) await _race(this.#response.body.cancel(), 200);
    } catch {
      // Already closed or errored: nothing to release.
    }
  }

  async #next(timeoutMs: number): Promise<SseItem | "end" | "timeout"> {
    if (!this.#reader) {
      const body = this.#response.body;
      if (!body) {
        this.ended = true;
        return "end";
      }
      this.#reader = decodeSse(body).getReader();
    }
    this.#pending ??= this.#reader.read();
    let read: ReadableStreamReadResult<SseItem> | "timeout";
    try {
      read = await _race(this.#pending, timeoutMs);
    } catch (error) {
      this.#pending = undefined;
      this.ended = true;
      this.evidence.error = `the stream broke: ${error instanceof Error ? error.message : String(error)}`;
      return "end";
    }
    if (read === "timeout") return "timeout";
    this.#pending = undefined;
    if (read.done) {
      this.ended = true;
      return "end";
    }
    const item = read.value;
    this.items.push(item);
    if (item.type === "event") this.messages.push(...messagesOf(item.data));
    this.#setBody(this.items.map(frameText).join(""));
    return item;
  }

  #setBody(text: string): void {
    if (!this.evidence.response) return;
    this.evidence.response.body = text.length > EVIDENCE_BODY_LIMIT ? text.slice(0, EVIDENCE_BODY_LIMIT) + "…" : text;
  }
}

/** Resolves with `promise`'s value, or `"timeout"` after `ms` milliseconds (the timer is always cleared). */
export async function _race<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
