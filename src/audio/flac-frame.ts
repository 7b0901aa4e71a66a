/**
 * One FLAC frame for a block of 16-bit mono samples (FLAC format spec, RFC 9639):
 * a constant subframe for digital silence, else the best fixed predictor (orders 0-4) with
 * partitioned Rice residuals, else verbatim when prediction does not pay.
 */
import type { BitWriter } from './bit-writer.ts'
import { crc16, crc8 } from './crc.ts'

const BITS_PER_SAMPLE = 16
const MAX_FIXED_ORDER = 4
const MAX_PARTITION_ORDER = 6
/** 4-bit Rice parameters; 15 is the escape code, so 14 is the largest usable. */
const MAX_RICE_PARAM = 14

/** Frame-header sample-rate codes; other rates use code 0 ("see STREAMINFO"). */
const RATE_CODES: Record<number, number> = {
  88200: 1, 176400: 2, 192000: 3, 8000: 4, 16000: 5, 22050: 6, 24000: 7, 32000: 8, 44100: 9, 48000: 10, 96000: 11,
}

/** Scratch buffers shared by all frames of all encoders: frame encoding is synchronous. */
let residual = new Int32Array(4096)
let zigzag = new Uint32Array(4096)

function ensureScratch(n: number): void {
  if (residual.length < n) {
    residual = new Int32Array(n)
    zigzag = new Uint32Array(n)
  }
}

/** Residual of the fixed predictor of `order` for samples[order..n), into `residual`. Returns sum of |r|. */
function fixedResidual(s: Int16Array, n: number, order: number): number {
  let sum = 0
  for (let i = order; i < n; i++) {
    const x0 = s[i] as number
    let r: number
    switch (order) {
      case 0: r = x0; break
      case 1: r = x0 - (s[i - 1] as number); break
      case 2: r = x0 - 2 * (s[i - 1] as number) + (s[i - 2] as number); break
      case 3: r = x0 - 3 * (s[i - 1] as number) + 3 * (s[i - 2] as number) - (s[i - 3] as number); break
      default:
        r = x0 - 4 * (s[i - 1] as number) + 6 * (s[i - 2] as number) - 4 * (s[i - 3] as number) + (s[i - 4] as number)
    }
    residual[i] = r
    sum += r < 0 ? -r : r
  }
  return sum
}

/** Exact bits for Rice-coding zigzag[from..to) with parameter k. */
function riceBits(from: number, to: number, k: number): number {
  let bits = (to - from) * (k + 1)
  for (let i = from; i < to; i++) bits += (zigzag[i] as number) >>> k
  return bits
}

interface RicePlan {
  bits: number
  order: number
  params: number[]
}

/** Best partition order and per-partition parameters for residuals[warmup..n). */
function planRice(n: number, warmup: number): RicePlan {
  for (let i = warmup; i < n; i++) {
    const r = residual[i] as number
    zigzag[i] = r >= 0 ? 2 * r : -2 * r - 1
  }
  let best: RicePlan = { bits: Number.POSITIVE_INFINITY, order: 0, params: [] }
  for (let p = 0; p <= MAX_PARTITION_ORDER; p++) {
    const parts = 1 << p
    if (n % parts !== 0 || n / parts <= warmup) break
    const size = n / parts
    const params: number[] = []
    let bits = 0
    for (let j = 0; j < parts; j++) {
      const from = j === 0 ? warmup : j * size
      const to = (j + 1) * size
      let sum = 0
      for (let i = from; i < to; i++) sum += zigzag[i] as number
      const mean = sum / Math.max(1, to - from)
      const guess = mean < 1 ? 0 : Math.min(MAX_RICE_PARAM, Math.floor(Math.log2(mean)))
      let bestK = guess
      let bestBits = riceBits(from, to, guess)
      for (const k of [guess - 1, guess + 1]) {
        if (k < 0 || k > MAX_RICE_PARAM) continue
        const b = riceBits(from, to, k)
        if (b < bestBits) [bestK, bestBits] = [k, b]
      }
      params.push(bestK)
      bits += 4 + bestBits
    }
    if (bits < best.bits) best = { bits, order: p, params }
  }
  return best
}

/** 256·2^k sizes have their own code; anything else is spelled out after the frame number. */
function blockSizeCode(n: number): number {
  for (let k = 0; k < 8; k++) if (n === 256 << k) return 8 + k
  return n <= 256 ? 6 : 7
}

function writeUtf8(w: BitWriter, value: number): void {
  if (value < 0x80) return w.write(value, 8)
  // Coded like UTF-8 extended to 36 bits: a prefix byte, then 6 bits per continuation byte.
  let extra = 1
  while (value >= 2 ** (6 * extra + (6 - extra)) && extra < 6) extra++
  const lead = (0xff00 >> (extra + 1)) & 0xff
  w.write(lead | Math.floor(value / 2 ** (6 * extra)), 8)
  for (let i = extra - 1; i >= 0; i--) w.write(0x80 | (Math.floor(value / 2 ** (6 * i)) & 0x3f), 8)
}

/**
 * Encode `samples` (1..65535 of them) as FLAC frame number `frameNumber` of a fixed-blocksize
 * stream. Returns a view into `w` (copy it before the next frame).
 *
 * @example
 * const frame = encodeFlacFrame(writer, block, 0, 24000).slice()
 */
export function encodeFlacFrame(
  w: BitWriter,
  samples: Int16Array,
  frameNumber: number,
  sampleRate: number,
): Uint8Array {
  const n = samples.length
  ensureScratch(n)
  w.reset()
  // Header: sync, fixed-blocksize stream, block size code, rate code, mono, 16-bit.
  w.write(0b11111111111110, 14)
  w.write(0, 2)
  const sizeCode = blockSizeCode(n)
  w.write(sizeCode, 4)
  const rateCode = RATE_CODES[sampleRate] ?? 0
  w.write(rateCode, 4)
  w.write(0, 4) // one channel
  w.write(0b100, 3) // 16 bits per sample
  w.write(0, 1)
  writeUtf8(w, frameNumber)
  if (sizeCode === 6) w.write(n - 1, 8)
  else if (sizeCode === 7) w.write(n - 1, 16)
  w.write(crc8(w.view()), 8)

  writeSubframe(w, samples, n)
  w.alignToByte()
  w.write(crc16(w.view()), 16)
  return w.view()
}

function writeSubframe(w: BitWriter, s: Int16Array, n: number): void {
  const first = s[0] as number
  let constant = true
  for (let i = 1; i < n && constant; i++) constant = s[i] === first
  if (constant) {
    w.write(0, 8) // pad bit, type 000000, no wasted bits
    w.write(first & 0xffff, BITS_PER_SAMPLE)
    return
  }
  // Pick the order with the smallest residual magnitude: a good proxy for Rice size.
  let order = 0
  let bestSum = Number.POSITIVE_INFINITY
  for (let o = 0; o <= Math.min(MAX_FIXED_ORDER, n - 1); o++) {
    const sum = fixedResidual(s, n, o)
    if (sum < bestSum) [order, bestSum] = [o, sum]
  }
  fixedResidual(s, n, order)
  const plan = planRice(n, order)
  const fixedBits = 8 + order * BITS_PER_SAMPLE + 6 + plan.bits
  if (fixedBits >= 8 + n * BITS_PER_SAMPLE) {
    w.write(0b00000010, 8) // verbatim
    for (let i = 0; i < n; i++) w.write((s[i] as number) & 0xffff, BITS_PER_SAMPLE)
    return
  }
  w.write(0b00010000 | (order << 1), 8) // fixed predictor of `order`
  for (let i = 0; i < order; i++) w.write((s[i] as number) & 0xffff, BITS_PER_SAMPLE)
  w.write(0, 2) // Rice, 4-bit parameters
  w.write(plan.order, 4)
  const size = n >> plan.order
  for (let j = 0; j < plan.params.length; j++) {
    const k = plan.params[j] as number
    w.write(k, 4)
    const to = (j + 1) * size
    for (let i = j === 0 ? order : j * size; i < to; i++) {
      const u = zigzag[i] as number
      w.writeUnary(u >>> k)
      if (k > 0) w.write(u & ((1 << k) - 1), k)
    }
  }
}
