/**
 * Opus facts shared by the encoder (engine workers) and the muxers (any thread), kept apart
 * from libopus so the event loop can wrap packets into Ogg without loading the codec.
 */

/** Opus always runs at 48 kHz here: Ogg Opus and WebRTC decoders output 48 kHz. */
export const OPUS_RATE = 48000
/** 20 ms: the usual packet duration for speech, and what WebRTC sends. */
export const OPUS_FRAME_SAMPLES = 960
/**
 * libopus 1.4's lookahead at 48 kHz in the application and complexity we use (4 ms of delay
 * compensation plus 2.5 ms): the OpusHead pre-skip. libopus.ts checks it against the encoder.
 */
export const OPUS_PRE_SKIP = 312
