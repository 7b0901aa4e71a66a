/**
 * The models one pool worker holds, for model lifecycle metrics (telemetry/model-lifecycle.ts).
 *
 * Two ways a worker's models are known: a pool whose workers load one model in their
 * setup names it (`modelId`), and the worker's start is timed as that model's load; a
 * worker that loads models later (several, or on demand) reports each event itself
 * (worker-host.ts `reportModel` / `loadModel`). Either way, when the worker goes (crash,
 * hang, shutdown) every copy it held is reported unloaded, so the resident count never
 * keeps a model a dead worker had.
 */
import type { ModelEvent, ModelLifecycle, ModelLoad } from '../telemetry/model-lifecycle.ts'

/**
 * @example
 * const models = new WorkerModels(lifecycle, 'espeak')
 * models.starting() // at spawn
 * models.ready()    // the worker said 'ready'
 * models.gone()     // terminated: its copy is unloaded
 */
export class WorkerModels {
  readonly #resident = new Map<string, number>()
  #load: ModelLoad | undefined

  constructor(
    private readonly lifecycle: ModelLifecycle | undefined,
    /** The model every worker of this pool loads in its setup, if any. */
    private readonly setupModel?: string,
  ) {}

  /** The worker was spawned: its setup (the model load, if the pool names one) begins. */
  starting(): void {
    if (this.lifecycle && this.setupModel) this.#load = this.lifecycle.loadStarted(this.setupModel)
  }

  /** The worker finished its setup: the setup model is resident. */
  ready(): void {
    if (!this.#load || !this.setupModel) return
    this.#load.loaded()
    this.#load = undefined
    this.#add(this.setupModel, 1)
  }

  /** The worker's setup failed (or it died during it): the load failed. */
  failedToStart(): void {
    this.#load?.failed()
    this.#load = undefined
  }

  /** An event the worker reported about a model it loads itself. */
  event(event: ModelEvent): void {
    if (!this.lifecycle) return
    // A worker cannot unload what it never loaded: ignore it rather than drive the gauge negative.
    if (event.type === 'unloaded' && !this.#resident.get(event.modelId)) return
    this.lifecycle.record(event)
    if (event.type === 'loaded') this.#add(event.modelId, 1)
    if (event.type === 'unloaded') this.#add(event.modelId, -1)
  }

  /** The worker is gone (terminated, crashed, shut down): every copy it held is unloaded. */
  gone(): void {
    this.failedToStart()
    for (const [modelId, copies] of this.#resident) {
      for (let i = 0; i < copies; i++) this.lifecycle?.unloaded(modelId, 'unload')
    }
    this.#resident.clear()
  }

  #add(modelId: string, n: number): void {
    const copies = (this.#resident.get(modelId) ?? 0) + n
    if (copies > 0) this.#resident.set(modelId, copies)
    else this.#resident.delete(modelId)
  }
}
