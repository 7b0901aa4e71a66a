/**
 * Opus in Ogg (RFC 7845), streamed: PCM at the engine's rate in, resampled to 48 kHz, cut into
 * 20 ms packets, and out as Ogg pages as soon as each `write` completes a packet (so the first
 * audio page leaves with the first PCM chunk). `end` writes the end-of-stream page whose
 * granule trims the padding, so a decoder plays exactly as many samples as went in.
 */
import type { AudioEncoder } from '../encoder.ts'
import { StreamingResampler } from '../resample.ts'
import { OggOpusMuxer } from './ogg-opus-muxer.ts'
import { OPUS_RATE } from './opus-constants.ts'
import { OpusFrames } from './opus-frames.ts'

export { opusHead, opusTags } from './ogg-opus-muxer.ts'

/**
 * @example
 * const enc = new OggOpusEncoder(22050, 64)
 * send(enc.write(samples)) // headers + the first audio page
 * send(enc.end())          // the end-of-stream page
 */
export class OggOpusEncoder implements AudioEncoder {
  readonly #resampler: StreamingResampler
  readonly #frames: OpusFrames
  readonly #ogg: OggOpusMuxer

  constructor(inputSampleRate: number, bitrateKbps: number, serial?: number) {
    this.#resampler = new StreamingResampler(inputSampleRate, OPUS_RATE)
    this.#frames = new OpusFrames(bitrateKbps)
    this.#ogg = new OggOpusMuxer(this.#frames.preSkip, serial)
  }

  write(samples: Int16Array): Uint8Array {
    return this.#ogg.pages(this.#frames.push(this.#resampler.process(samples)))
  }

  end(): Uint8Array {
    const last = this.#frames.push(this.#resampler.flush())
    const endSamples = this.#frames.samplesIn
    return this.#ogg.pages([...last, ...this.#frames.end()], { endSamples })
  }

  finalize(whole: Uint8Array): Uint8Array {
    return whole
  }

  close(): void {
    this.#frames.abandon()
  }
}
