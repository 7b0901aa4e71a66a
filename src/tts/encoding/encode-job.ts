/**
 * The jobs an encode worker serves (see encode.worker.ts). A stream's encoder lives in one
 * worker between jobs, so every job names its stream; the pool keeps a stream on one worker.
 */
import type { AudioFormatSpec } from '../../audio/formats.ts'
import type { LoudnessResult } from '../../audio/loudness-stage.ts'
import type { LoudnessRequest } from './loudness-context.ts'
import type { WorkerChunk } from './worker-chunk.ts'

export type EncodeRequest =
  /** With `loudness`, the stream's PCM is measured (and normalised when asked) before encoding. */
  | { op: 'open'; stream: number; format: AudioFormatSpec; sampleRate: number; loudness?: LoudnessRequest }
  | { op: 'write'; stream: number; samples: Int16Array }
  | { op: 'end'; stream: number }
  | { op: 'close'; stream: number }
  /** How many Opus and AAC encoder states the worker holds (they live outside the GC's reach). */
  | { op: 'in-use' }

/** The engine workers' encoded chunk shape (worker-encoding.ts), so one encoding path serves both. */
export type EncodeOut = WorkerChunk | { inUse: number } | { loudness: LoudnessResult }
