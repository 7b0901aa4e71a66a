/**
 * Encoding inside the engine worker. mp3 (LAME) runs at about 100-450x real time and even
 * resampling costs milliseconds per sentence: on the main thread that would stall every
 * other request, so when a job names an output format the worker encodes each chunk it
 * produces and sends bytes instead of samples, and the finished file at the end. The
 * encode workers (encode.worker.ts) wrap upstream PCM the same way.
 */
import { warmAac } from '../../audio/aac/libav-aac.ts'
import type { AudioFormatSpec } from '../../audio/formats.ts'
import { warmMp3 } from '../../audio/mp3.ts'
import { warmOpus } from '../../audio/opus/libopus.ts'
import { RecordedEncoder } from '../../audio/recorded-encoder.ts'
import type { JobContext } from '../worker-host.ts'
import type { WorkerChunk } from './worker-chunk.ts'

const NO_SAMPLES = new Int16Array(0)

/**
 * Readies this worker's encoders (LAME, libopus and libavcodec AAC instances, their first JIT-cold encode) so
 * the first request of each format pays for none of it.
 *
 * @example
 * await warmEncoders() // in a worker's setup
 */
export async function warmEncoders(): Promise<void> {
  await warmMp3()
  await warmOpus()
  await warmAac()
}

export interface EncodingContext {
  ctx: JobContext<WorkerChunk>
  /** Sends the encoder's tail and the complete file; call when the job finished normally. */
  finish(): void
  /** Frees the encoder if `finish` never ran (cancelled or failed job); call always, last. */
  close(): void
}

/**
 * Wraps `ctx` so every emitted PCM chunk leaves encoded as `format`.
 *
 * @example
 * const encoding = await encodingContext(ctx, request.format, 22050)
 * try {
 *   runEspeakJob(request, encoding.ctx, speak)
 *   if (!ctx.cancelled()) encoding.finish()
 * } finally {
 *   encoding.close()
 * }
 */
export async function encodingContext(ctx: JobContext<WorkerChunk>, format: AudioFormatSpec, inputRate: number): Promise<EncodingContext> {
  const encoder = await RecordedEncoder.open(format, inputRate)
  return {
    ctx: {
      cancelled: ctx.cancelled,
      emit(chunk) {
        const encoded = encoder.write(chunk.samples)
        // Not transferred: the bytes may be a view of the encoder's own buffer (postMessage copies).
        ctx.emit({ samples: NO_SAMPLES, sampleCount: chunk.samples.length, boundaries: chunk.boundaries, encoded })
      },
    },
    finish() {
      const { tail, whole, encodeMs } = encoder.end()
      // The finished file is this job's own fresh buffer: hand it over instead of copying
      // megabytes on the receiving (event loop) side.
      const owned = whole.byteOffset === 0 && whole.byteLength === whole.buffer.byteLength && whole.buffer !== tail.buffer
      ctx.emit({ samples: NO_SAMPLES, sampleCount: 0, boundaries: [], encoded: tail, whole, encodeMs }, owned ? [whole.buffer] : [])
    },
    close() {
      encoder.close()
    },
  }
}
