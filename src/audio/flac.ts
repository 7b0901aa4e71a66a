/**
 * Streaming FLAC (16-bit mono, fixed 4096-sample blocks): OpenAI `flac`.
 *
 * The stream header goes out first with the unknowns FLAC allows (total samples 0, MD5 zero,
 * frame sizes 0), so decoders play it while it streams; `finalize` fills in the true values
 * for a stored copy, which lets `flac -t` verify the MD5.
 */
import { createHash, type Hash } from 'node:crypto'
import { BitWriter } from './bit-writer.ts'
import { ByteBuilder, EMPTY_BYTES } from './bytes.ts'
import type { AudioEncoder } from './encoder.ts'
import { encodeFlacFrame } from './flac-frame.ts'
import { int16ToLeBytes } from './pcm.ts'
import { StreamingResampler } from './resample.ts'

/** 4096 samples per frame: the reference encoder's default, ~170 ms at 24 kHz. */
export const FLAC_BLOCK_SIZE = 4096
/** "fLaC" + metadata block header + STREAMINFO. */
const STREAMINFO_OFFSET = 8
const HEADER_BYTES = 4 + 4 + 34

interface StreamInfo {
  sampleRate: number
  minFrameBytes: number
  maxFrameBytes: number
  totalSamples: number
  md5?: Uint8Array
}

/**
 * The 42-byte stream header: "fLaC" and a STREAMINFO block marked last.
 *
 * @example
 * const head = flacStreamHeader({ sampleRate: 24000, minFrameBytes: 0, maxFrameBytes: 0, totalSamples: 0 })
 */
export function flacStreamHeader(info: StreamInfo): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES)
  out.set([0x66, 0x4c, 0x61, 0x43]) // "fLaC"
  out.set([0x80, 0, 0, 34], 4) // last metadata block, STREAMINFO, 34 bytes
  writeStreamInfo(out, info)
  return out
}

function writeStreamInfo(file: Uint8Array, info: StreamInfo): void {
  const v = new DataView(file.buffer, file.byteOffset + STREAMINFO_OFFSET, 34)
  v.setUint16(0, FLAC_BLOCK_SIZE)
  v.setUint16(2, FLAC_BLOCK_SIZE)
  v.setUint16(4, info.minFrameBytes >>> 8)
  v.setUint8(6, info.minFrameBytes & 0xff)
  v.setUint16(7, info.maxFrameBytes >>> 8)
  v.setUint8(9, info.maxFrameBytes & 0xff)
  // 20 bits rate | 3 bits channels-1 (0) | 5 bits bps-1 (15) | 36 bits total samples.
  const total = info.totalSamples
  const totalHigh = Math.floor(total / 2 ** 32) & 0xf
  v.setUint32(10, ((info.sampleRate << 12) | (15 << 4) | totalHigh) >>> 0)
  v.setUint32(14, total >>> 0)
  const md5 = info.md5 ?? new Uint8Array(16)
  for (let i = 0; i < 16; i++) v.setUint8(18 + i, md5[i] ?? 0)
}

/**
 * Streaming FLAC encoder. A frame leaves as soon as 4096 output samples are buffered.
 *
 * @example
 * const enc = new FlacEncoder(22050, 24000)
 * send(enc.write(chunk)); send(enc.end())
 * store(enc.finalize(wholeFile))
 */
export class FlacEncoder implements AudioEncoder {
  private readonly resampler: StreamingResampler
  private readonly writer = new BitWriter()
  private readonly out = new ByteBuilder(16384)
  private readonly block = new Int16Array(FLAC_BLOCK_SIZE)
  private readonly md5: Hash = createHash('md5')
  private blockFill = 0
  private frameNumber = 0
  private headerSent = false
  private ended = false
  private info: StreamInfo

  constructor(inputSampleRate: number, sampleRate: number) {
    this.resampler = new StreamingResampler(inputSampleRate, sampleRate)
    this.info = { sampleRate, minFrameBytes: 0xffffff, maxFrameBytes: 0, totalSamples: 0 }
  }

  write(samples: Int16Array): Uint8Array {
    this.push(this.resampler.process(samples))
    return this.drain()
  }

  end(): Uint8Array {
    this.push(this.resampler.flush())
    if (this.blockFill > 0) this.emitFrame(this.block.subarray(0, this.blockFill))
    this.blockFill = 0
    this.ended = true
    this.info.md5 = new Uint8Array(this.md5.digest())
    return this.drain()
  }

  /** Write total samples, frame sizes and MD5 into STREAMINFO (mutates `whole`). */
  finalize(whole: Uint8Array): Uint8Array {
    if (!this.ended || whole.byteLength < HEADER_BYTES) return whole
    const info = { ...this.info }
    if (info.maxFrameBytes === 0) info.minFrameBytes = 0
    writeStreamInfo(whole, info)
    return whole
  }

  private push(pcm: Int16Array): void {
    if (pcm.length === 0) return
    this.md5.update(int16ToLeBytes(pcm))
    this.info.totalSamples += pcm.length
    let i = 0
    while (i < pcm.length) {
      const take = Math.min(FLAC_BLOCK_SIZE - this.blockFill, pcm.length - i)
      this.block.set(pcm.subarray(i, i + take), this.blockFill)
      this.blockFill += take
      i += take
      if (this.blockFill === FLAC_BLOCK_SIZE) {
        this.emitFrame(this.block)
        this.blockFill = 0
      }
    }
  }

  private emitFrame(samples: Int16Array): void {
    const frame = encodeFlacFrame(this.writer, samples, this.frameNumber++, this.info.sampleRate)
    this.info.minFrameBytes = Math.min(this.info.minFrameBytes, frame.byteLength)
    this.info.maxFrameBytes = Math.max(this.info.maxFrameBytes, frame.byteLength)
    this.out.append(frame)
  }

  private drain(): Uint8Array {
    if (!this.headerSent) {
      this.headerSent = true
      const body = this.out.take()
      const head = flacStreamHeader({ ...this.info, minFrameBytes: 0, maxFrameBytes: 0, totalSamples: 0 })
      if (body.length === 0) return head
      const both = new Uint8Array(head.length + body.length)
      both.set(head)
      both.set(body, head.length)
      return both
    }
    return this.out.length === 0 ? EMPTY_BYTES : this.out.take()
  }
}
