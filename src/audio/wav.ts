/**
 * RIFF WAVE (16-bit PCM, mono): OpenAI `wav` and ElevenLabs `wav_<rate>`.
 *
 * Streaming puts the header first, before the length is known, so both size fields hold
 * 0xFFFFFFFF as OpenAI's streamed WAV does: ffmpeg/ffprobe and sox then read to end of file.
 * When the whole file is known (cache), `fixWavSizes` writes the real sizes.
 */
import type { AudioEncoder } from './encoder.ts'
import { EMPTY_BYTES, concatBytes } from './bytes.ts'
import { int16ToLeBytes } from './pcm.ts'
import { StreamingResampler } from './resample.ts'

/** Size of the canonical header written by `wavHeader`. */
export const WAV_HEADER_BYTES = 44
/** The size value meaning "unknown, read to end of file". */
export const WAV_UNKNOWN_SIZE = 0xffffffff

export interface WavHeaderOptions {
  sampleRate: number
  channels?: number
  bitsPerSample?: number
  /** Bytes of sample data; omit while streaming. */
  dataBytes?: number
}

/**
 * The 44-byte canonical header of a PCM WAV file.
 *
 * @example
 * const header = wavHeader({ sampleRate: 24000 })                  // streaming: sizes unknown
 * const fixed = wavHeader({ sampleRate: 24000, dataBytes: 48000 }) // 1 s, exact sizes
 */
export function wavHeader(opts: WavHeaderOptions): Uint8Array {
  const channels = opts.channels ?? 1
  const bits = opts.bitsPerSample ?? 16
  const blockAlign = (channels * bits) / 8
  const h = new Uint8Array(WAV_HEADER_BYTES)
  const v = new DataView(h.buffer)
  const known = opts.dataBytes !== undefined
  const data = opts.dataBytes ?? 0
  v.setUint32(0, 0x52494646) // "RIFF"
  v.setUint32(4, known ? Math.min(36 + data + (data & 1), WAV_UNKNOWN_SIZE) : WAV_UNKNOWN_SIZE, true)
  v.setUint32(8, 0x57415645) // "WAVE"
  v.setUint32(12, 0x666d7420) // "fmt "
  v.setUint32(16, 16, true)
  v.setUint16(20, 1, true) // WAVE_FORMAT_PCM
  v.setUint16(22, channels, true)
  v.setUint32(24, opts.sampleRate, true)
  v.setUint32(28, opts.sampleRate * blockAlign, true)
  v.setUint16(32, blockAlign, true)
  v.setUint16(34, bits, true)
  v.setUint32(36, 0x64617461) // "data"
  v.setUint32(40, known ? Math.min(data, WAV_UNKNOWN_SIZE) : WAV_UNKNOWN_SIZE, true)
  return h
}

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0)
}

/**
 * Write the real RIFF and data sizes into a complete WAV file (e.g. one streamed with unknown
 * sizes), walking the chunk list so headers with extra chunks work too. Mutates and returns
 * `whole`, except when the data is odd-sized: RIFF then needs a pad byte, so a padded copy is
 * returned. Throws when `whole` is not a WAV file.
 *
 * @example
 * await cache.store(key, fixWavSizes(concatBytes(streamedChunks)))
 */
export function fixWavSizes(whole: Uint8Array): Uint8Array {
  if (whole.byteLength < 12 || fourcc(whole, 0) !== 'RIFF' || fourcc(whole, 8) !== 'WAVE') {
    throw new Error('fixWavSizes: not a RIFF/WAVE file')
  }
  const v = new DataView(whole.buffer, whole.byteOffset, whole.byteLength)
  let at = 12
  while (at + 8 <= whole.byteLength) {
    const id = fourcc(whole, at)
    if (id === 'data') {
      const dataBytes = whole.byteLength - (at + 8)
      let file = whole
      if (dataBytes & 1) {
        file = new Uint8Array(whole.byteLength + 1)
        file.set(whole)
      }
      const fv = new DataView(file.buffer, file.byteOffset, file.byteLength)
      fv.setUint32(at + 4, dataBytes, true)
      fv.setUint32(4, file.byteLength - 8, true)
      return file
    }
    const size = v.getUint32(at + 4, true)
    at += 8 + size + (size & 1)
  }
  throw new Error('fixWavSizes: no data chunk')
}

/**
 * Streaming WAV: header on the first write, then raw samples at the target rate.
 *
 * @example
 * const enc = new WavEncoder(22050, 24000)
 * const first = enc.write(chunk) // 44-byte header + samples
 */
export class WavEncoder implements AudioEncoder {
  private readonly resampler: StreamingResampler
  private headerSent = false

  constructor(
    inputSampleRate: number,
    private readonly sampleRate: number,
  ) {
    this.resampler = new StreamingResampler(inputSampleRate, sampleRate)
  }

  write(samples: Int16Array): Uint8Array {
    return this.emit(this.resampler.process(samples))
  }

  end(): Uint8Array {
    return this.emit(this.resampler.flush())
  }

  finalize(whole: Uint8Array): Uint8Array {
    return fixWavSizes(whole)
  }

  private emit(samples: Int16Array): Uint8Array {
    const body = samples.length === 0 ? EMPTY_BYTES : int16ToLeBytes(samples)
    if (this.headerSent) return body
    this.headerSent = true
    // The header goes out with the first call even when there is no audio yet: clients can start a player.
    return concatBytes([wavHeader({ sampleRate: this.sampleRate }), body])
  }
}
