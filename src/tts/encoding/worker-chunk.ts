/**
 * The chunk a worker thread posts back: PCM with the boundaries that start in it, or, when
 * the job named an output format, the encoded bytes standing for that PCM. Engine workers
 * (espeak) and the encode workers (upstream PCM) both post it, so one encoding path
 * (worker-encoding.ts) serves both.
 */
import type { Boundary } from '../engine.ts'

export interface WorkerChunk {
  samples: Int16Array
  boundaries: Boundary[]
  /** With a format: how many samples `encoded` holds (samples itself is then empty). */
  sampleCount?: number
  encoded?: Uint8Array
  /** With a format, on the last chunk: the complete file, headers final. */
  whole?: Uint8Array
  /** With `whole`: time the worker spent encoding, ms. */
  encodeMs?: number
}
