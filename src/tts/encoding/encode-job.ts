/**
 * The jobs an encode worker serves (see encode.worker.ts). A stream's encoder lives in one
 * worker between jobs, so every job names its stream; the pool keeps a stream on one worker.
 */
import type { AudioFormatSpec } from '../../audio/formats.ts'
import type { WorkerChunk } from './worker-chunk.ts'

export type EncodeRequest =
  | { op: 'open'; stream: number; format: AudioFormatSpec; sampleRate: number }
  | { op: 'write'; stream: number; samples: Int16Array }
  | { op: 'end'; stream: number }
  | { op: 'close'; stream: number }
  /** How many Opus and AAC encoder states the worker holds (they live outside the GC's reach). */
  | { op: 'in-use' }

/** The engine workers' encoded chunk shape (worker-encoding.ts), so one encoding path serves both. */
export type EncodeOut = WorkerChunk | { inUse: number }
