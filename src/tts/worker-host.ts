/**
 * The worker side of {@link WorkerPool}: receives the init message, then runs one job at
 * a time and streams its results back. Engine workers only supply the handler. The same
 * script serves as a Worker thread or as a worker process (worker-link.ts): in a process,
 * messages travel over the IPC channel and cancellation arrives as a message.
 */
import { getPriority, setPriority } from 'node:os'
import type { LoudnessResult } from '../audio/loudness-stage.ts'
import type { ModelEvent } from '../telemetry/model-lifecycle.ts'
import type { FromWorker, ToWorker } from './worker-protocol.ts'

/** What a job handler can do besides computing. */
export interface JobContext<Out> {
  /** Sends one result to the pool now (the pool yields it to the caller in order). */
  emit(out: Out, transfer?: Transferable[]): void
  /** True once the pool asked to stop this job; check it between units of work. */
  cancelled(): boolean
}

export type JobHandler<Req, Out> = (request: Req, ctx: JobContext<Out>) => void | Promise<void>

declare const self: Worker

/** True when this script runs as a pool's worker process rather than a Worker thread. */
const asProcess = Bun.isMainThread && typeof process.send === 'function'

function send(msg: FromWorker, transfer?: Transferable[]): void {
  if (asProcess) process.send?.(msg)
  else self.postMessage(msg, transfer ?? [])
}

function onMessage(handle: (msg: ToWorker) => void): void {
  if (!asProcess) {
    self.onmessage = (event: MessageEvent<ToWorker>) => handle(event.data)
    return
  }
  process.on('message', (msg) => handle(msg as ToWorker))
  // The pool went away (its process ended): nobody will ever send another job. Said on stderr
  // (the service's own) because a pool that is still there sees only "exited (code 0)".
  process.on('disconnect', () => {
    process.stderr.write(`tts-edge pool worker ${process.pid}: the channel to the service closed; exiting\n`)
    process.exit(0)
  })
  // The open channel keeps this process alive, so its event loop emptying is an anomaly (the
  // runtime let go of the channel): also exit code 0 to the pool, so say which it was.
  process.on('beforeExit', () => {
    process.stderr.write(`tts-edge pool worker ${process.pid}: its event loop emptied with the channel open; exiting\n`)
  })
}

/**
 * Serves pool jobs in this worker. `setup` runs once with the pool's `init` value (load
 * and compile here, so `warmup()` covers it) and returns the per-job handler.
 *
 * @example
 * // my.worker.ts
 * serveJobs<{ factor: number }, number, number>(({ factor }) => (n, ctx) => ctx.emit(n * factor))
 */
export function serveJobs<Init, Req, Out>(
  setup: (init: Init) => JobHandler<Req, Out> | Promise<JobHandler<Req, Out>>,
): void {
  let handler: JobHandler<Req, Out> | undefined
  let cancelCell: Int32Array<ArrayBufferLike> = new Int32Array(1)
  // Jobs arrive one at a time, but chain them anyway so an async handler never overlaps.
  let tail: Promise<void> = Promise.resolve()

  onMessage((msg) => {
    if (msg.type === 'cancel') {
      Atomics.store(cancelCell, 0, msg.id)
      return
    }
    if (msg.type === 'init') {
      lowerPriority(msg.nice)
      if (msg.cancel) cancelCell = new Int32Array(msg.cancel)
      Promise.resolve()
        .then(() => setup(msg.init as Init))
        .then(
          (h) => {
            handler = h
            send({ type: 'ready' })
          },
          (err: unknown) => send({ type: 'init-error', ...describe(err) }),
        )
      return
    }
    const { id, request } = msg
    tail = tail.then(async () => {
      const ctx: JobContext<Out> = {
        emit: (out, transfer) => send({ type: 'chunk', id, out }, transfer),
        cancelled: () => Atomics.load(cancelCell, 0) === id,
      }
      try {
        if (!handler) throw new Error('worker used before init')
        await handler(request as Req, ctx)
        send({ type: 'done', id })
      } catch (err) {
        send({ type: 'error', id, ...describe(err) })
      }
    })
  })
  // Listening now: the pool sends init only after this, so nothing it sends arrives before a
  // listener does (in a process, Bun hands a message to the listeners there are when it arrives).
  send({ type: 'hello' })
}

/**
 * Runs this worker thread `steps` nice levels below the thread that started it. Linux keeps
 * niceness per thread (getpriority/setpriority with 0 address the calling thread), so the
 * event loop keeps its own. Elsewhere setpriority would lower the whole process, so it is
 * Linux only. Best effort: where it cannot be changed the worker runs as is.
 */
function lowerPriority(steps: number): void {
  if (!(steps > 0) || process.platform !== 'linux') return
  try {
    setPriority(0, Math.min(19, getPriority(0) + steps))
  } catch {
    // Not permitted or not supported here: synthesis still works, only without the preference.
  }
}

/**
 * Tells the pool about a model this worker loaded or dropped outside its setup (a pool that
 * names `modelId` already times the setup as that model's load). The pool records it in
 * the model lifecycle metrics and unloads what the worker held if the worker dies.
 *
 * @example
 * reportModel({ type: 'unloaded', modelId: 'piper-en', cause: 'eviction' })
 */
export function reportModel(event: ModelEvent): void {
  send({ type: 'model', event })
}

/**
 * Tells the pool the loudness of the utterance the current job made (the pool's
 * `onLoudness` records it under its engine's name).
 *
 * @example
 * reportLoudness({ lufs: -21.4 })
 */
export function reportLoudness(result: LoudnessResult): void {
  send({ type: 'loudness', result })
}

/**
 * Runs `load` and reports it as a load of `modelId`: timed, and counted as loaded or failed.
 *
 * @example
 * const tts = await loadModel('piper-en', () => new OfflineTts(config))
 */
export async function loadModel<T>(modelId: string, load: () => T | Promise<T>): Promise<T> {
  const started = performance.now()
  const seconds = () => (performance.now() - started) / 1000
  try {
    const model = await load()
    reportModel({ type: 'loaded', modelId, seconds: seconds() })
    return model
  } catch (err) {
    reportModel({ type: 'load_failed', modelId, seconds: seconds() })
    throw err
  }
}

function describe(err: unknown): { name: string; message: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) }
}
