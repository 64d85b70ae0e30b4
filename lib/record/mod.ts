/**
 * Tapes: record MCP sessions as JSON lines (`docs/tapes.md`), show them as timelines, serve them back as
 * a mock server ({@linkcode tapeUpstream}) or replay their client side against a live server
 * ({@linkcode replayAgainst}).
 *
 * @module
 */
export { messagesBySession, parseTape, TAPE_FORMAT, TAPE_HEADERS, TAPE_VERSION, TapeError, tapeLine } from "./tape.ts";
export type { Tape, TapeExchange, TapeHeader, TapeMessage, TapeRecord } from "./tape.ts";
export { createTapeRecorder, exchangeRecord, messageRecord } from "./recorder.ts";
export type { TapeRecorder, TapeRecorderOptions } from "./recorder.ts";
export { tapeUpstream } from "./replay_upstream.ts";
export type { TapeUpstreamOptions } from "./replay_upstream.ts";
export { indexTape, requestKey } from "./tape_index.ts";
export type { RecordedCall, TapeIndex } from "./tape_index.ts";
export { diffValues, replayAgainst } from "./against.ts";
export type {
  ReplayAgainstOptions,
  ReplayDifference,
  ReplayReport,
  ReplayTimingDifference,
  ReplayTimingOptions,
} from "./against.ts";
export { formatTimeline } from "./show.ts";
