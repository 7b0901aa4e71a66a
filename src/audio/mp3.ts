/**
 * MP3 via lamejs (pure JS LAME): OpenAI `mp3` and ElevenLabs `mp3_<rate>_<kbps>`. CBR, mono.
 */
import { Mp3Encoder as LameEncoder } from '@breezystack/lamejs'
import type { AudioEncoder } from './encoder.ts'
import { EMPTY_BYTES } from './bytes.ts'
import { StreamingResampler } from './resample.ts'

/** Sample rates an MPEG-1/2/2.5 layer III stream can carry. */
export const MP3_SAMPLE_RATES: readonly number[] = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]

/** lamejs returns Int8Array views of fresh copies; reinterpret without copying again. */
function asBytes(chunk: Int8Array | Uint8Array): Uint8Array {
  return chunk.length === 0 ? EMPTY_BYTES : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
}

/**
 * Streaming CBR MP3. Each `write` returns the frames LAME completed (it holds back about one
 * frame, 1152 samples, so the first bytes appear once that much audio arrived).
 *
 * @example
 * const enc = new Mp3Encoder(22050, 44100, 128)
 */
export class Mp3Encoder implements AudioEncoder {
  private readonly resampler: StreamingResampler
  private readonly lame: LameEncoder

  constructor(inputSampleRate: number, sampleRate: number, bitrateKbps: number) {
    if (!MP3_SAMPLE_RATES.includes(sampleRate)) throw new RangeError(`mp3 cannot carry ${sampleRate} Hz`)
    this.resampler = new StreamingResampler(inputSampleRate, sampleRate)
    this.lame = new LameEncoder(1, sampleRate, bitrateKbps)
  }

  write(samples: Int16Array): Uint8Array {
    const pcm = this.resampler.process(samples)
    return pcm.length === 0 ? EMPTY_BYTES : asBytes(this.lame.encodeBuffer(pcm))
  }

  end(): Uint8Array {
    const tail = this.resampler.flush()
    const a = tail.length === 0 ? EMPTY_BYTES : asBytes(this.lame.encodeBuffer(tail))
    const b = asBytes(this.lame.flush())
    if (a.length === 0) return b
    if (b.length === 0) return a
    const out = new Uint8Array(a.length + b.length)
    out.set(a)
    out.set(b, a.length)
    return out
  }

  finalize(whole: Uint8Array): Uint8Array {
    return whole
  }
}
