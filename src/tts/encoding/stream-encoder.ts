/**
 * One stream's encoder as the gateway sees it: PCM chunks in, in order, encoded bytes out,
 * in order. Asynchronous so the encoding may run on another thread (see encode-pool.ts);
 * `inProcessEncoders` is the same work on the calling thread, for tools and tests.
 */
import { concatBytes } from '../../audio/bytes.ts'
import { createEncoder, type AudioFormatSpec } from '../../audio/formats.ts'

/** The encoder's tail and the finished file, once the stream ended. */
export interface EncodedEnd {
  /** The bytes `end` flushed (may be empty). */
  tail: Uint8Array
  /** Everything written and the tail, with final headers. */
  whole: Uint8Array
  /** Time spent encoding this stream, ms. */
  encodeMs: number
}

export interface StreamEncoder {
  /** Encodes the next chunk; resolves to the bytes ready to send now (may be empty). */
  write(samples: Int16Array): Promise<Uint8Array>
  /** Flushes and finishes the file. Call once, after the last write resolved. */
  end(): Promise<EncodedEnd>
  /** Frees the encoder's state when `end` will not be called (aborted or failed stream). */
  close(): void
}

/** Where encoders come from: the encode pool, or this thread. */
export interface EncoderSource {
  /** Opens an encoder for one stream of `sampleRate` PCM; `signal` aborts its pending work. */
  open(format: AudioFormatSpec, sampleRate: number, signal?: AbortSignal): Promise<StreamEncoder>
}

/**
 * Encoders running on the calling thread (what the gateway did before the encode pool).
 *
 * @example
 * const enc = await inProcessEncoders().open(format, 24000)
 * send(await enc.write(samples))
 * const { tail, whole } = await enc.end()
 */
export function inProcessEncoders(onOpen?: () => void): EncoderSource {
  return {
    async open(format, sampleRate) {
      const encoder = await createEncoder(format, sampleRate)
      onOpen?.()
      const sent: Uint8Array[] = []
      let encodeMs = 0
      const timed = <T>(fn: () => T): T => {
        const t = performance.now()
        const out = fn()
        encodeMs += performance.now() - t
        return out
      }
      return {
        async write(samples) {
          // Encoders may reuse their output buffer: keep a copy for the finished file.
          const bytes = timed(() => encoder.write(samples))
          sent.push(bytes.slice())
          return bytes
        },
        async end() {
          const tail = timed(() => encoder.end())
          sent.push(tail)
          const whole = timed(() => encoder.finalize(concatBytes(sent)))
          return { tail, whole, encodeMs }
        },
        close: () => encoder.close?.(),
      }
    },
  }
}
