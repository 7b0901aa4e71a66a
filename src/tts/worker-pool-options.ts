/**
 * How a {@link WorkerPool} is sized and told about its workers, and how an engine that runs
 * one is configured (TTS_MAX_CONCURRENCY, TTS_MAX_QUEUE, TTS_JOB_TIMEOUT_MS, ...).
 */
import type { LoudnessResult } from '../audio/loudness-stage.ts'
import type { ModelLifecycle } from '../telemetry/model-lifecycle.ts'
import type { Isolation } from './worker-link.ts'

export interface WorkerPoolOptions {
  /** The worker script, e.g. `new URL('./x.worker.ts', import.meta.url)`; it calls `serveJobs`. */
  url: string | URL
  /** Number of workers (TTS_MAX_CONCURRENCY). */
  size: number
  /** Jobs allowed to wait for a worker (TTS_MAX_QUEUE); one more throws EngineBusyError. */
  maxQueue: number
  /** A running job that produces nothing for this long is declared hung (default 30 s). */
  jobTimeoutMs?: number
  /**
   * A worker whose setup (a model load) has not finished after this long is killed, and
   * warmup fails naming the wait (default 120 s): a load that hangs would otherwise keep the
   * service from ever listening, with nothing said.
   */
  startTimeoutMs?: number
  /** Passed to every worker's `serveJobs` setup (must be structured-cloneable). */
  init?: unknown
  /**
   * How many nice steps below the event loop the workers run (0-19, default 0). On Linux
   * niceness is per thread: a positive value lets the event loop take a core back from
   * synthesis at once, so cache hits stay fast while every worker is busy.
   */
  nice?: number
  /** Where model loads, residency and unloads are reported (telemetry/model-lifecycle.ts). */
  models?: ModelLifecycle
  /** The model each worker loads in its setup: a worker's start is timed as its load. */
  modelId?: string
  /** Told the loudness of each utterance a worker made (worker-host.ts `reportLoudness`). */
  onLoudness?: (result: LoudnessResult) => void
  /** `process` for workers that call native code (see worker-link.ts); default `thread`. */
  isolation?: Isolation
}

/** How an engine that synthesises in a pool of workers sizes it (TTS_MAX_CONCURRENCY, TTS_MAX_QUEUE, ...). */
export interface PoolEngineOptions {
  /** Number of workers (TTS_MAX_CONCURRENCY). */
  workers: number
  /** Requests allowed to wait for a worker (TTS_MAX_QUEUE). */
  maxQueue: number
  /** A job without progress for this long fails with EngineUnavailableError (default 30 s). */
  jobTimeoutMs?: number
  /** Nice steps the workers run below the event loop (TTS_ENGINE_NICE; default 0 here). */
  nice?: number
  /** Where the workers' model loads are reported (telemetry/model-lifecycle.ts). */
  models?: ModelLifecycle
  /** The model_id a worker's start is reported under: the configured engine (or model) name. */
  modelId?: string
  /** Normalise each utterance to this integrated loudness (TTS_LOUDNESS_TARGET_LUFS), in the workers. */
  loudnessTargetLufs?: number
  /** Told each utterance's loudness, as a worker measured it. */
  onLoudness?: (result: LoudnessResult) => void
}

export interface RunOptions {
  signal?: AbortSignal
  /** Buffers in the request to move rather than copy. */
  transfer?: Transferable[]
}
