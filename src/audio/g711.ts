/**
 * G.711 μ-law and A-law (ITU-T G.711), 8-bit telephony codecs: ElevenLabs `ulaw_8000` / `alaw_8000`.
 *
 * Encoding goes through 64 KiB lookup tables built on first use: one load per sample on the
 * request path instead of a segment search.
 */
import type { AudioEncoder } from './encoder.ts'
import { EMPTY_BYTES } from './bytes.ts'
import { StreamingResampler } from './resample.ts'

const ULAW_BIAS = 0x84
const ULAW_CLIP = 32635

/** Encode one 16-bit sample to μ-law (reference algorithm; use `encodeMulaw` for arrays). */
export function linearToMulaw(sample: number): number {
  let s = sample
  const sign = s < 0 ? 0x80 : 0
  if (s < 0) s = -s
  if (s > ULAW_CLIP) s = ULAW_CLIP
  s += ULAW_BIAS
  let exponent = 7
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--
  const mantissa = (s >> (exponent + 3)) & 0x0f
  return ~(sign | (exponent << 4) | mantissa) & 0xff
}

/** Decode one μ-law byte to a 16-bit sample. */
export function mulawToLinear(byte: number): number {
  const u = ~byte & 0xff
  const t = (((u & 0x0f) << 3) + ULAW_BIAS) << ((u & 0x70) >> 4)
  return u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS
}

const ALAW_SEG_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff]

/** Encode one 16-bit sample to A-law (reference algorithm; use `encodeAlaw` for arrays). */
export function linearToAlaw(sample: number): number {
  let v = sample >> 3
  let mask: number
  if (v >= 0) {
    mask = 0xd5
  } else {
    mask = 0x55
    v = -v - 1
  }
  let seg = 0
  while (seg < 8 && v > (ALAW_SEG_END[seg] as number)) seg++
  if (seg >= 8) return 0x7f ^ mask
  const aval = (seg << 4) | (seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f)
  return aval ^ mask
}

/** Decode one A-law byte to a 16-bit sample. */
export function alawToLinear(byte: number): number {
  const a = byte ^ 0x55
  let t = (a & 0x0f) << 4
  const seg = (a & 0x70) >> 4
  if (seg === 0) t += 8
  else t = (t + 0x108) << (seg - 1)
  return a & 0x80 ? t : -t
}

let mulawTable: Uint8Array | undefined
let alawTable: Uint8Array | undefined

function table(fn: (s: number) => number): Uint8Array {
  const t = new Uint8Array(65536)
  for (let s = -32768; s < 32768; s++) t[s & 0xffff] = fn(s)
  return t
}

function encodeWith(t: Uint8Array, samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length)
  for (let i = 0; i < samples.length; i++) out[i] = t[(samples[i] as number) & 0xffff] as number
  return out
}

/**
 * μ-law encode a whole array.
 *
 * @example
 * const bytes = encodeMulaw(pcm8k)
 */
export function encodeMulaw(samples: Int16Array): Uint8Array {
  mulawTable ??= table(linearToMulaw)
  return encodeWith(mulawTable, samples)
}

/**
 * A-law encode a whole array.
 *
 * @example
 * const bytes = encodeAlaw(pcm8k)
 */
export function encodeAlaw(samples: Int16Array): Uint8Array {
  alawTable ??= table(linearToAlaw)
  return encodeWith(alawTable, samples)
}

/**
 * Headerless G.711 at 8 kHz (the input is low-passed and resampled first).
 *
 * @example
 * const enc = new G711Encoder('ulaw', 22050)
 */
export class G711Encoder implements AudioEncoder {
  private readonly resampler: StreamingResampler
  private readonly encode: (samples: Int16Array) => Uint8Array

  constructor(law: 'ulaw' | 'alaw', inputSampleRate: number, outputSampleRate = 8000) {
    this.resampler = new StreamingResampler(inputSampleRate, outputSampleRate)
    this.encode = law === 'ulaw' ? encodeMulaw : encodeAlaw
  }

  write(samples: Int16Array): Uint8Array {
    const out = this.resampler.process(samples)
    return out.length === 0 ? EMPTY_BYTES : this.encode(out)
  }

  end(): Uint8Array {
    const out = this.resampler.flush()
    return out.length === 0 ? EMPTY_BYTES : this.encode(out)
  }

  finalize(whole: Uint8Array): Uint8Array {
    return whole
  }
}
