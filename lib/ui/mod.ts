/**
 * The live traffic inspector of `--ui`: a bounded buffer fed by the endpoint's observers
 * ({@linkcode TrafficBuffer}) and the web handler that shows it ({@linkcode createUiHandler}), served on a
 * listener of its own. docs/ui.md describes the page.
 *
 * @module
 */
export { DEFAULT_UI_CAPACITY, TrafficBuffer } from "./buffer.ts";
export type { TrafficBufferOptions, UiEntry, UiEvent, UiMark, UiSession } from "./buffer.ts";
export { createUiHandler } from "./server.ts";
export type { UiAuthorize, UiHandlerOptions } from "./server.ts";
