/**
 * Model lifecycle reporting for engines that load models (docs/observability.md, "Metrics"):
 * how long loads take, how often they fail, which models are resident, and how often they
 * leave memory. Any engine reports through one small interface, {@link ModelLifecycle},
 * whether it loads on the event loop or in its workers (a worker posts
 * {@link ModelEvent}s, see worker-host.ts `reportModel`, and its pool relays them).
 *
 * `model_id` is a configured model name (an engine's name or a model named in the engines
 * file), never a path or anything a client sends. A lifecycle accepts at most
 * {@link MAX_MODEL_IDS} distinct ids and counts the rest as `other`, so even a bug that
 * passed something unbounded cannot grow the series without end.
 *
 * Counting: `tts_model_load_total` counts loads that ended, successful or not;
 * `tts_model_load_errors_total` the failed ones among them. A model leaves memory either
 * evicted (`tts_model_eviction_total`: pushed out to make room, or idle) or unloaded for
 * any other reason (`tts_model_unload_total`: shutdown, its worker replaced), never both.
 * `tts_models_resident_count` is the number of loaded copies per model: an engine with
 * four workers, each holding the model, shows 4.
 */
import { Counter, Gauge, Histogram, type OpenMetricsContentType, type Registry } from 'prom-client'

/** At most this many distinct model ids get their own series; more are `other`. */
export const MAX_MODEL_IDS = 64

const LOAD_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

/** What a worker (or any engine part without the registry) reports. */
export type ModelEvent =
  | { type: 'loaded'; modelId: string; seconds: number }
  | { type: 'load_failed'; modelId: string; seconds: number }
  | { type: 'unloaded'; modelId: string; cause: 'unload' | 'eviction' }

/** One load in progress: end it exactly once. */
export interface ModelLoad {
  /** The model is in memory and serving: counted, timed, resident. */
  loaded(): void
  /** The load failed: counted as a load and an error, timed, not resident. */
  failed(): void
}

/**
 * @example
 * const load = models.loadStarted('kokoro-v1')
 * try { await open(file); load.loaded() } catch (err) { load.failed(); throw err }
 * // later, to make room for another model:
 * models.unloaded('kokoro-v1', 'eviction')
 */
export interface ModelLifecycle {
  /** Names a model up front, so its series read 0 instead of "no data" before its first load. */
  declare(modelId: string): void
  loadStarted(modelId: string): ModelLoad
  /** A loaded copy left memory: evicted (to make room, or idle) or unloaded (anything else). */
  unloaded(modelId: string, cause: 'unload' | 'eviction'): void
  /** Applies an event a worker reported (same effect as the calls above). */
  record(event: ModelEvent): void
}

export type ModelMetrics = ReturnType<typeof createModelMetrics>

/** The tts_model_* metrics on `registry` (called by createMetrics). */
export function createModelMetrics(registry: Registry<OpenMetricsContentType>) {
  const registers = [registry]
  const labelNames = ['model_id'] as const
  return {
    loadDuration: new Histogram({
      name: 'tts_model_load_duration_seconds',
      help: 'Time to load a model until it can serve, successful or not.',
      labelNames,
      buckets: LOAD_BUCKETS,
      registers,
    }),
    loads: new Counter({ name: 'tts_model_load_total', help: 'Model loads that ended, successful or not.', labelNames, registers }),
    loadErrors: new Counter({ name: 'tts_model_load_errors_total', help: 'Model loads that failed.', labelNames, registers }),
    resident: new Gauge({ name: 'tts_models_resident_count', help: 'Loaded copies of each model in memory now (one per worker holding it).', labelNames, registers }),
    unloads: new Counter({ name: 'tts_model_unload_total', help: 'Loaded copies that left memory for a reason other than eviction (shutdown, worker replaced).', labelNames, registers }),
    evictions: new Counter({ name: 'tts_model_eviction_total', help: 'Loaded copies evicted to make room for another model, or for being idle.', labelNames, registers }),
  }
}

/**
 * The lifecycle that records into `metrics`; without metrics (TTS_METRICS_ENABLED=false),
 * one that records nothing, so engines never need to check.
 *
 * @example
 * const models = createModelLifecycle(metrics.models)
 * models.declare('espeak')
 */
export function createModelLifecycle(metrics?: ModelMetrics): ModelLifecycle {
  const known = new Set<string>()
  const bounded = (modelId: string): string => {
    if (known.has(modelId)) return modelId
    if (known.size >= MAX_MODEL_IDS) return 'other'
    known.add(modelId)
    return modelId
  }
  const declare = (modelId: string) => {
    if (!metrics) return
    const model_id = bounded(modelId)
    metrics.loadDuration.zero({ model_id })
    for (const counter of [metrics.loads, metrics.loadErrors, metrics.unloads, metrics.evictions]) counter.inc({ model_id }, 0)
    metrics.resident.inc({ model_id }, 0)
  }
  const record = (event: ModelEvent) => {
    if (!metrics) return
    const model_id = bounded(event.modelId)
    switch (event.type) {
      case 'loaded':
        metrics.loadDuration.observe({ model_id }, event.seconds)
        metrics.loads.inc({ model_id })
        metrics.resident.inc({ model_id })
        return
      case 'load_failed':
        metrics.loadDuration.observe({ model_id }, event.seconds)
        metrics.loads.inc({ model_id })
        metrics.loadErrors.inc({ model_id })
        return
      case 'unloaded':
        ;(event.cause === 'eviction' ? metrics.evictions : metrics.unloads).inc({ model_id })
        metrics.resident.dec({ model_id })
    }
  }
  return {
    declare,
    record,
    loadStarted(modelId) {
      const started = performance.now()
      let ended = false
      const end = (type: 'loaded' | 'load_failed') => {
        if (ended) return
        ended = true
        record({ type, modelId, seconds: (performance.now() - started) / 1000 })
      }
      return { loaded: () => end('loaded'), failed: () => end('load_failed') }
    },
    unloaded: (modelId, cause) => record({ type: 'unloaded', modelId, cause }),
  }
}
