/**
 * Formatting of traffic lines and log lines for people: one line per message or exchange, readable at a
 * glance, coloured only on a terminal.
 *
 * @module
 */
import { describeMessage } from "../jsonrpc/describe.ts";
import type { Envelope } from "../protocol/envelope.ts";
import type { ExchangeInfo } from "../downstream/streamable_http.ts";

/** ANSI colours, or none. */
export interface Palette {
  dim(s: string): string;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  bold(s: string): string;
}

/** A palette that colours when `enabled` (a terminal) and returns text unchanged otherwise. */
export function palette(enabled: boolean): Palette {
  const c = (code: number) => (s: string) => (enabled ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { dim: c(2), green: c(32), red: c(31), yellow: c(33), cyan: c(36), bold: c(1) };
}

/** One traffic line for a message: time since `start` (ms), direction arrow, short session id, description. */
export function formatEnvelope(envelope: Envelope, start: number, p: Palette): string {
  const ms = `+${String(envelope.receivedAt - start).padStart(5)}ms`;
  const toServer = envelope.direction === "client-to-server";
  const arrow = toServer ? p.cyan("client → server") : p.green("client ← server");
  const sid = envelope.sessionId ? p.dim(` [${envelope.sessionId.slice(0, 6)}]`) : "";
  const stream = envelope.stream === "get" ? p.dim(" (GET stream)") : "";
  const text = describeMessage(envelope.message);
  const coloured = "error" in envelope.message ? p.red(text) : text;
  return `${p.dim(ms)} ${arrow}${sid} ${coloured}${stream}`;
}

/** One line for an HTTP exchange: method, status, body kind, time to the response head. */
export function formatExchange(exchange: ExchangeInfo, start: number, p: Palette): string {
  const ms = `+${String(Date.now() - start).padStart(5)}ms`;
  const status = exchange.status >= 400 ? p.red(String(exchange.status)) : p.green(String(exchange.status));
  return `${p.dim(ms)} ${p.dim("http")}   ${exchange.method.padEnd(6)} ${status} ${exchange.body} ${
    p.dim(`${exchange.durationMs}ms`)
  }`;
}
