/**
 * One stream's encoder as the gateway sees it: PCM chunks in, in order, encoded bytes out,
 * in order. Asynchronous so the encoding may run on another thread (see encode-pool.ts);
 * `inProcessEncoders` is the same work on the calling thread, for tools and tests.
 */
import type { AudioFormatSpec } from '../../audio/formats.ts'
import { RecordedEncoder, type RecordedEnd } from '../../audio/recorded-encoder.ts'

/** The encoder's tail and the finished file, once the stream ended. */
export type EncodedEnd = RecordedEnd

export interface StreamEncoder {
  /** Encodes the next chunk; resolves to the bytes ready to send now (may be empty). */
  write(samples: Int16Array): Promise<Uint8Array>
  /** Flushes and finishes the file. Call once, after the last write resolved. */
  end(): Promise<EncodedEnd>
  /** Frees the encoder's state when `end` will not be called (aborted or failed stream). */
  close(): void
}

/** Whose PCM a stream encodes: the configured engine and its voice (for loudness per engine). */
export interface StreamSpeaker {
  engine: string
  voice: string
}

/** Where encoders come from: the encode pool, or this thread. */
export interface EncoderSource {
  /**
   * Opens an encoder for one stream of `sampleRate` PCM; `signal` aborts its pending work.
   * The encode pool also measures the loudness of `speaker`'s PCM (and normalises it when
   * configured); encoders on this thread do not (the event loop is no place for it).
   */
  open(format: AudioFormatSpec, sampleRate: number, signal?: AbortSignal, speaker?: StreamSpeaker): Promise<StreamEncoder>
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
      const encoder = await RecordedEncoder.open(format, sampleRate)
      onOpen?.()
      return {
        write: async (samples) => encoder.write(samples),
        end: async () => encoder.end(),
        close: () => encoder.close(),
      }
    },
  }
}
