/**
 * A fixed pool of Bun Workers with a bounded FIFO queue, so synthesis never runs on the
 * event loop and a burst of requests waits (or is refused with 429) instead of piling up.
 *
 * Failure model: a worker that crashes, or makes no progress for `jobTimeoutMs`, fails
 * its job with {@link EngineUnavailableError} and is terminated and replaced; the next
 * job runs on the fresh worker. One lost while starting gets a second start in warmup; one
 * still starting after `startTimeoutMs` is killed and fails warmup. A job aborted while
 * queued never reaches a worker; one aborted while running is told to stop (see
 * worker-protocol.ts). Workers are threads, or processes for native code (worker-link.ts).
 */
import { EngineBusyError, EngineUnavailableError, type EngineStats } from './engine.ts'
import { JobChannel } from './job-channel.ts'
import { WorkerModels } from './worker-models.ts'
import { openWorker, type WorkerLink } from './worker-link.ts'
import type { RunOptions, WorkerPoolOptions } from './worker-pool-options.ts'
import type { FromWorker, ToWorker } from './worker-protocol.ts'

export type { PoolEngineOptions, RunOptions, WorkerPoolOptions } from './worker-pool-options.ts'

interface Job {
  id: number
  request: unknown
  transfer: Transferable[]
  channel: JobChannel<unknown>
  cancelled: boolean
}

interface Slot {
  link: WorkerLink | undefined
  state: 'starting' | 'idle' | 'busy' | 'failed'
  job: Job | undefined
  timer: ReturnType<typeof setTimeout> | undefined
  ready: Promise<void>
  markReady: (error?: Error) => void
  models: WorkerModels
  /** The worker died before it was ready without reporting an error of its own (no init-error). */
  lostStarting: boolean
}

/**
 * @example
 * const pool = new WorkerPool<number, number>({ url: new URL('./double.worker.ts', import.meta.url), size: 2, maxQueue: 8 })
 * await pool.warmup()
 * for await (const n of pool.run(21, { signal })) console.log(n) // 42
 * await pool.close()
 */
export class WorkerPool<Req, Out> {
  private readonly slots: Slot[] = []
  private readonly queue: Job[] = []
  private readonly timeoutMs: number
  private readonly startTimeoutMs: number
  private nextId = 1
  private warmed = false
  private closed = false
  private lastInitError = 'worker failed to start'

  constructor(private readonly options: WorkerPoolOptions) {
    this.timeoutMs = options.jobTimeoutMs ?? 30_000
    this.startTimeoutMs = options.startTimeoutMs ?? 120_000
    if (options.modelId) options.models?.declare(options.modelId)
    for (let i = 0; i < Math.max(1, options.size); i++) {
      const slot = {} as Slot
      this.slots.push(slot)
      this.spawn(slot)
    }
  }

  /** Resolves once every worker finished its setup; rejects if one could not start. */
  async warmup(): Promise<void> {
    await Promise.all(this.slots.map((slot) => this.started(slot)))
    this.warmed = true
  }

  /**
   * A worker that died while starting, without its setup reporting an error, gets a second
   * start before warmup gives up: a lost process is replaced, as it would be mid-job. A setup
   * that threw (init-error) fails at once: the same setup would throw again.
   */
  private async started(slot: Slot): Promise<void> {
    if (slot.state === 'failed') this.spawn(slot)
    try {
      await slot.ready
    } catch (err) {
      if (this.closed) throw err
      // A job may have started it again meanwhile (one chance per job): wait for that start, never a second process.
      if (slot.state !== 'failed') return slot.ready
      if (!slot.lostStarting) throw err
      this.spawn(slot)
      await slot.ready
    }
  }

  stats(): EngineStats {
    const busy = this.slots.filter((s) => s.state === 'busy').length
    return { queued: this.queue.length, busy, workers: this.slots.length, ready: this.warmed && !this.closed }
  }

  /**
   * Queues `request` and yields what the worker emits for it, in order. Throws
   * EngineBusyError when the queue is full, EngineUnavailableError when the worker dies
   * or hangs, the signal's reason on abort, or the worker's own error.
   */
  async *run(request: Req, options: RunOptions = {}): AsyncGenerator<Out, void, undefined> {
    const { signal } = options
    signal?.throwIfAborted()
    if (this.closed) throw new EngineUnavailableError('the engine is shut down')
    const idle = this.slots.some((s) => s.state === 'idle')
    if (!idle && this.queue.length >= this.options.maxQueue) {
      throw new EngineBusyError(this.queue.length, this.options.maxQueue)
    }
    const job: Job = {
      id: this.nextId++,
      request,
      transfer: options.transfer ?? [],
      channel: new JobChannel(),
      cancelled: false,
    }
    const onAbort = () => this.cancel(job, signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    // A failed worker gets one new chance per incoming job rather than a tight respawn loop.
    for (const slot of this.slots) if (slot.state === 'failed') this.spawn(slot)
    this.queue.push(job)
    this.pump()
    try {
      for await (const out of job.channel) {
        yield out as Out
        // Results the worker sent before the abort still wait in the channel when the consumer
        // is slower than the worker (cancel cannot fail a finished job): none go out after it.
        signal?.throwIfAborted()
      }
    } finally {
      signal?.removeEventListener('abort', onAbort)
      // The consumer stopped early (break, or an error of its own): stop the work too.
      if (!job.channel.closed) this.cancel(job, new Error('consumer stopped'))
    }
  }

  /** Terminates every worker; queued and running jobs fail with EngineUnavailableError. */
  async close(): Promise<void> {
    this.closed = true
    const error = new EngineUnavailableError('the engine is shut down')
    for (const job of this.queue.splice(0)) job.channel.fail(error)
    for (const slot of this.slots) {
      clearTimeout(slot.timer)
      slot.job?.channel.fail(error)
      // A warmup still waiting on a start fails now rather than never (settled starts ignore it).
      slot.markReady?.(error)
      const link = slot.link
      slot.link = undefined
      link?.terminate()
      slot.models?.gone()
    }
  }

  private spawn(slot: Slot): void {
    if (this.closed) return
    const models = new WorkerModels(this.options.models, this.options.modelId)
    models.starting()
    Object.assign(slot, { link: undefined, state: 'starting', job: undefined, timer: undefined, models, lostStarting: false })
    slot.ready = new Promise<void>((resolve, reject) => {
      slot.markReady = (error) => (error ? reject(error) : resolve())
    })
    slot.ready.catch(() => {}) // observed by warmup() when someone asks
    const link: WorkerLink = openWorker(
      this.options.isolation ?? 'thread',
      this.options.url,
      {
        message: (msg) => slot.link === link && this.onMessage(slot, msg),
        failed: (reason) => slot.link === link && this.crash(slot, reason),
      },
      { init: this.options.init, nice: this.options.nice ?? 0 },
    )
    slot.link = link
    slot.timer = setTimeout(() => this.startTimedOut(slot), this.startTimeoutMs)
    slot.timer.unref?.()
  }

  /** A setup that hangs (a model load that never returns): final, the same load would hang again. */
  private startTimedOut(slot: Slot): void {
    if (slot.state !== 'starting') return
    this.lastInitError = `the worker did not finish starting within ${this.startTimeoutMs} ms`
    this.retire(slot, 'failed')
    slot.markReady(new EngineUnavailableError(this.lastInitError))
    this.pump()
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    switch (msg.type) {
      case 'ready':
        clearTimeout(slot.timer)
        slot.state = 'idle'
        slot.models.ready()
        slot.markReady()
        this.pump()
        return
      case 'init-error':
        this.lastInitError = `${msg.name}: ${msg.message}`
        this.retire(slot, 'failed')
        slot.markReady(new EngineUnavailableError(this.lastInitError))
        this.pump()
        return
      case 'model':
        slot.models.event(msg.event)
        return
      case 'loudness':
        this.options.onLoudness?.(msg.result)
        return
      case 'chunk':
        if (slot.job?.id !== msg.id) return
        this.armTimer(slot)
        slot.job.channel.push(msg.out)
        return
      case 'done':
      case 'error': {
        const job = slot.job
        if (job?.id !== msg.id) return
        clearTimeout(slot.timer)
        slot.job = undefined
        slot.state = 'idle'
        if (msg.type === 'done') job.channel.end()
        else job.channel.fail(Object.assign(new Error(msg.message), { name: msg.name }))
        this.pump()
      }
    }
  }

  /** The worker died or hung: fail its job, replace it. */
  private crash(slot: Slot, reason: string): void {
    const wasStarting = slot.state === 'starting'
    slot.job?.channel.fail(new EngineUnavailableError(`synthesis failed: ${reason}`))
    if (wasStarting) {
      this.lastInitError = reason
      this.retire(slot, 'failed')
      slot.lostStarting = true
      slot.markReady(new EngineUnavailableError(reason))
    } else {
      this.retire(slot, 'failed')
      this.spawn(slot)
    }
    this.pump()
  }

  private retire(slot: Slot, state: Slot['state']): void {
    clearTimeout(slot.timer)
    const link = slot.link
    Object.assign(slot, { link: undefined, job: undefined, timer: undefined, state })
    link?.terminate()
    slot.models.gone()
  }

  private cancel(job: Job, reason: unknown): void {
    if (job.channel.closed) return
    job.cancelled = true
    job.channel.fail(reason ?? new DOMException('aborted', 'AbortError'))
    const queued = this.queue.indexOf(job)
    if (queued >= 0) {
      this.queue.splice(queued, 1)
      return
    }
    const slot = this.slots.find((s) => s.job === job)
    // The worker keeps its slot until it acknowledges; the job timer still guards it.
    slot?.link?.cancel(job.id)
  }

  private armTimer(slot: Slot): void {
    clearTimeout(slot.timer)
    slot.timer = setTimeout(() => this.crash(slot, `no progress for ${this.timeoutMs} ms`), this.timeoutMs)
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.state === 'idle')
      if (!slot) break
      const job = this.queue.shift() as Job
      slot.state = 'busy'
      slot.job = job
      slot.link?.reset()
      this.armTimer(slot)
      slot.link?.post({ type: 'job', id: job.id, request: job.request } satisfies ToWorker, job.transfer)
    }
    // Nobody can ever take the queued work: fail it now rather than let callers hang.
    if (this.queue.length > 0 && this.slots.every((s) => s.state === 'failed')) {
      const error = new EngineUnavailableError(`no worker available: ${this.lastInitError}`)
      for (const job of this.queue.splice(0)) job.channel.fail(error)
    }
  }
}
