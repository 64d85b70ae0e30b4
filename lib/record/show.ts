/**
 * A readable timeline of a tape, one line per record: time since the start, session, direction, what
 * the message is, and HTTP exchanges with their status.
 *
 * @module
 */
import { describeMessage } from "../jsonrpc/describe.ts";
import type { Tape } from "./tape.ts";

/**
 * Formats a tape as a timeline.
 *
 * @param tape A parsed tape.
 * @returns Lines such as `+0.012s  a1b2c3d4  ← post  result #1 (initialize)`, ending with a newline.
 * @example
 * ```ts
 * import { parseTape } from "./tape.ts";
 * import { formatTimeline } from "./show.ts";
 * const t = parseTape('{"type":"message","at":5,"session":"abcdefghij","direction":"client-to-server","message":{"jsonrpc":"2.0","id":1,"method":"ping"}}');
 * console.assert(formatTimeline(t).includes("→"));
 * ```
 */
export function formatTimeline(tape: Tape): string {
  const lines: string[] = [];
  if (tape.header) {
    lines.push(
      `tape v${tape.header.version} recorded ${tape.header.createdAt}${
        tape.header.upstream ? ` from ${tape.header.upstream}` : ""
      }`,
    );
  }
  const start = tape.records[0]?.at ?? 0;
  const methods = new Map<unknown, string>();
  const sessions = new Set<string>();
  let messages = 0;
  for (const r of tape.records) {
    const time = `+${((r.at - start) / 1000).toFixed(3)}s`.padStart(10);
    const session = (r.session ?? "-").slice(0, 8).padEnd(8);
    if (r.session) sessions.add(r.session);
    if (r.type === "http") {
      lines.push(
        `${time}  ${session}  HTTP ${r.method} ${r.status} ${
          r.response.headers["content-type"] ?? ""
        } (${r.durationMs} ms)`.trimEnd(),
      );
      continue;
    }
    messages++;
    const m = r.message;
    const arrow = r.direction === "client-to-server" ? "→" : "←";
    let text = describeMessage(m);
    if ("method" in m && "id" in m) methods.set(`${r.session} ${m.id}`, m.method);
    else if (!("method" in m) && "id" in m) {
      const method = methods.get(`${r.session} ${m.id}`);
      if (method) text += ` (${method})`;
    }
    lines.push(
      `${time}  ${session}  ${arrow} ${(r.stream ?? "").padEnd(4)}  ${text}${
        r.eventId ? `  [event ${r.eventId}]` : ""
      }`,
    );
  }
  lines.push(`${messages} messages, ${sessions.size} sessions`);
  return lines.join("\n") + "\n";
}
