/**
 * Server-sent events: the encoder (the only place frames are built) and the decoder.
 *
 * @module
 */
export * from "./encode.ts";
export * from "./decode.ts";
