/**
 * Audio encoding: PCM from the engines in, the bytes each API's format asks for out.
 * Routes need `parseOpenAIFormat` / `parseElevenLabsFormat` and `createEncoder`; the rest is
 * exported for engines (resampling, s16le parsing) and tests.
 */
export type { AudioEncoder } from './encoder.ts'
export * from './formats.ts'
export { concatBytes, ByteBuilder, EMPTY_BYTES } from './bytes.ts'
export { durationSeconds, pcm16DurationSeconds, resampledLength } from './duration.ts'
export { StreamingResampler, resampleAll } from './resample.ts'
export { int16ToLeBytes, leBytesToInt16, PcmEncoder } from './pcm.ts'
export { encodeMulaw, encodeAlaw, mulawToLinear, alawToLinear, G711Encoder } from './g711.ts'
export { wavHeader, fixWavSizes, WavEncoder, WAV_HEADER_BYTES } from './wav.ts'
export { Mp3Encoder } from './mp3.ts'
export { FlacEncoder } from './flac.ts'
