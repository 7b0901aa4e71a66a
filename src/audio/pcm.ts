/**
 * Raw 16-bit little-endian PCM: OpenAI `pcm` (24 kHz) and ElevenLabs `pcm_<rate>`.
 */
import type { AudioEncoder } from './encoder.ts'
import { EMPTY_BYTES } from './bytes.ts'
import { StreamingResampler } from './resample.ts'

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * Serialise samples as s16le bytes (a copy, so the caller may reuse its array).
 *
 * @example
 * const bytes = int16ToLeBytes(new Int16Array([1, -1])) // [1, 0, 255, 255]
 */
export function int16ToLeBytes(samples: Int16Array): Uint8Array {
  if (LITTLE_ENDIAN) {
    return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength).slice()
  }
  const out = new Uint8Array(samples.length * 2)
  const view = new DataView(out.buffer)
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i] as number, true)
  return out
}

/**
 * Joins sample blocks in order; a single block comes back as is, without a copy.
 *
 * @example
 * const sentence = concatSamples(blocks) // one Int16Array
 */
export function concatSamples(blocks: readonly Int16Array[], totalLength?: number): Int16Array {
  if (blocks.length === 1) return blocks[0] as Int16Array
  let length = totalLength ?? 0
  if (totalLength === undefined) for (const b of blocks) length += b.length
  const out = new Int16Array(length)
  let at = 0
  for (const b of blocks) {
    out.set(b, at)
    at += b.length
  }
  return out
}

/**
 * Parse s16le bytes into samples (a trailing odd byte is ignored). Works at any byte offset.
 *
 * @example
 * const samples = leBytesToInt16(await response.bytes())
 */
export function leBytesToInt16(bytes: Uint8Array): Int16Array {
  const count = bytes.byteLength >> 1
  if (LITTLE_ENDIAN && (bytes.byteOffset & 1) === 0) {
    return new Int16Array(bytes.buffer, bytes.byteOffset, count).slice()
  }
  const out = new Int16Array(count)
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * 2)
  for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true)
  return out
}

/**
 * Raw PCM output: resample to the target rate and serialise, nothing else.
 *
 * @example
 * const enc = new PcmEncoder(22050, 24000)
 * const bytes = concatBytes([enc.write(chunk), enc.end()])
 */
export class PcmEncoder implements AudioEncoder {
  private readonly resampler: StreamingResampler

  constructor(inputSampleRate: number, outputSampleRate: number) {
    this.resampler = new StreamingResampler(inputSampleRate, outputSampleRate)
  }

  write(samples: Int16Array): Uint8Array {
    const out = this.resampler.process(samples)
    return out.length === 0 ? EMPTY_BYTES : int16ToLeBytes(out)
  }

  end(): Uint8Array {
    const out = this.resampler.flush()
    return out.length === 0 ? EMPTY_BYTES : int16ToLeBytes(out)
  }

  finalize(whole: Uint8Array): Uint8Array {
    return whole
  }
}
