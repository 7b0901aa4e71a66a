/**
 * An encoder that keeps a copy of every byte it produced and times itself, so that at the
 * end it can hand over the finished file (with the final headers `finalize` writes) and the
 * time spent encoding. The engine workers, the encode workers and the in-process path all
 * build their files this one way.
 */
import type { AudioEncoder } from './encoder.ts'
import { createEncoder, type AudioFormatSpec } from './formats.ts'

/** What `end` returns: the last bytes to send, the finished file, and the encoding time. */
export interface RecordedEnd {
  /** The bytes `end` flushed (may be empty). */
  tail: Uint8Array
  /** Everything written and the tail, with final headers, in a buffer of its own. */
  whole: Uint8Array
  /** Time spent in the encoder for this stream, ms. */
  encodeMs: number
}

export class RecordedEncoder {
  readonly #parts: Uint8Array[] = []
  #total = 0
  #encodeMs = 0

  constructor(private readonly encoder: AudioEncoder) {}

  /**
   * @example
   * const enc = await RecordedEncoder.open(format, 24000)
   * send(enc.write(samples))
   * const { tail, whole, encodeMs } = enc.end()
   */
  static async open(format: AudioFormatSpec, sampleRate: number): Promise<RecordedEncoder> {
    return new RecordedEncoder(await createEncoder(format, sampleRate))
  }

  /** Encodes a chunk; returns the bytes ready to send now (may be empty). */
  write(samples: Int16Array): Uint8Array {
    return this.#keep(this.#timed(() => this.encoder.write(samples)))
  }

  /** Flushes the encoder and builds the finished file. Call once, after the last write. */
  end(): RecordedEnd {
    const tail = this.#keep(this.#timed(() => this.encoder.end()))
    // Always a fresh buffer (never a kept part or a shared empty constant), so a worker may transfer it.
    const whole = new Uint8Array(this.#total)
    let at = 0
    for (const part of this.#parts) {
      whole.set(part, at)
      at += part.byteLength
    }
    const finished = this.#timed(() => this.encoder.finalize(whole))
    return { tail, whole: finished, encodeMs: this.#encodeMs }
  }

  /** Frees the encoder's state when `end` will not run (cancelled or failed stream). */
  close(): void {
    this.encoder.close?.()
  }

  #timed<T>(fn: () => T): T {
    const t = performance.now()
    const out = fn()
    this.#encodeMs += performance.now() - t
    return out
  }

  #keep(bytes: Uint8Array): Uint8Array {
    // Encoders may hand out views of buffers they reuse: keep a copy for the finished file.
    if (bytes.byteLength > 0) {
      this.#parts.push(bytes.slice())
      this.#total += bytes.byteLength
    }
    return bytes
  }
}
