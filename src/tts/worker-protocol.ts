/**
 * Messages between a {@link WorkerPool} and the workers it runs (see worker-host.ts).
 *
 * Cancellation of a worker thread does not travel as a message: a worker busy in a
 * synchronous synthesis call cannot read its inbox, so each thread shares a one-cell
 * Int32Array with the pool and the pool stores the id of the job to stop there, where a
 * callback can see it. A worker process (worker-link.ts) shares no memory: it gets a
 * `cancel` message, which its handler sees between units of work.
 */
import type { LoudnessResult } from '../audio/loudness-stage.ts'
import type { ModelEvent } from '../telemetry/model-lifecycle.ts'

/** Pool → worker. */
export type ToWorker =
  | { type: 'init'; init: unknown; cancel: SharedArrayBuffer | null; nice: number }
  | { type: 'job'; id: number; request: unknown }
  | { type: 'cancel'; id: number }

/** Worker → pool. */
export type FromWorker =
  /** Sent first, once the worker listens (serveJobs): only then is its init sent (worker-link.ts). */
  | { type: 'hello' }
  | { type: 'ready' }
  | { type: 'init-error'; name: string; message: string }
  | { type: 'chunk'; id: number; out: unknown }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; name: string; message: string }
  /** A model the worker loads itself (not in its setup) was loaded, failed, or left memory. */
  | { type: 'model'; event: ModelEvent }
  /** The loudness of the utterance a job just made (sent before its 'done'). */
  | { type: 'loudness'; result: LoudnessResult }
