import { afterEach, describe, expect, test } from 'bun:test'
import { createMetrics, openMetricsRegistry, type Metrics } from '../telemetry/metrics.ts'
import type { ModelJob } from '../../test/support/model-loading.worker.ts'
import { WorkerPool, type WorkerPoolOptions } from './worker-pool.ts'

const url = new URL('../../test/support/model-loading.worker.ts', import.meta.url)
let pools: WorkerPool<ModelJob, string>[] = []
let metrics: Metrics

function makePool(options: Partial<WorkerPoolOptions> = {}) {
  metrics = createMetrics(openMetricsRegistry())
  const pool = new WorkerPool<ModelJob, string>({ url, size: 2, maxQueue: 8, models: metrics.models, ...options })
  pools.push(pool)
  return pool
}

/** The value of one series, 0 when it is absent. */
async function value(name: string, modelId: string, suffix = ''): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)!.get()
  const found = metric.values.find((v) => v.labels.model_id === modelId && ((v as { metricName?: string }).metricName ?? name) === `${name}${suffix}`)
  return found?.value ?? 0
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  )
}

afterEach(async () => {
  await Promise.all(pools.map((p) => p.close()))
  pools = []
})

describe('model lifecycle through a worker pool', () => {
  test('a pool naming its model times each worker start as a load, and counts a resident copy per worker', async () => {
    const pool = makePool({ modelId: 'voice-data' })
    await pool.warmup()
    expect(await value('tts_model_load_total', 'voice-data')).toBe(2)
    expect(await value('tts_models_resident_count', 'voice-data')).toBe(2)
    expect(await value('tts_model_load_duration_seconds', 'voice-data', '_count')).toBe(2)
    expect(await value('tts_model_load_errors_total', 'voice-data')).toBe(0)
  })

  test('a worker that dies gives up its copy; its replacement loads again', async () => {
    const pool = makePool({ modelId: 'voice-data', size: 1 })
    await pool.warmup()
    await failure(collect(pool.run({ kind: 'crash' })))
    expect(await value('tts_model_unload_total', 'voice-data')).toBe(1)
    await pool.warmup()
    expect(await value('tts_model_load_total', 'voice-data')).toBe(2)
    expect(await value('tts_models_resident_count', 'voice-data')).toBe(1)
  })

  test('workers that cannot start count failed loads and nothing resident', async () => {
    const pool = makePool({ modelId: 'voice-data', init: { failSetup: true }, size: 1 })
    await failure(pool.warmup())
    // warmup() retries a failed worker once more.
    await failure(pool.warmup())
    expect(await value('tts_model_load_errors_total', 'voice-data')).toBe(2)
    expect(await value('tts_model_load_total', 'voice-data')).toBe(2)
    expect(await value('tts_models_resident_count', 'voice-data')).toBe(0)
  })

  test('models a worker loads itself are counted, evicted, and unloaded when the pool shuts down', async () => {
    const pool = makePool({ size: 1 })
    await pool.warmup()
    expect(await collect(pool.run({ kind: 'load', modelId: 'piper-en' }))).toEqual(['loaded piper-en'])
    await collect(pool.run({ kind: 'load', modelId: 'piper-de' }))
    await failure(collect(pool.run({ kind: 'load-broken', modelId: 'piper-fr' })))
    expect(await value('tts_models_resident_count', 'piper-en')).toBe(1)
    expect(await value('tts_model_load_errors_total', 'piper-fr')).toBe(1)
    expect(await value('tts_models_resident_count', 'piper-fr')).toBe(0)

    await collect(pool.run({ kind: 'evict', modelId: 'piper-en' }))
    expect(await value('tts_model_eviction_total', 'piper-en')).toBe(1)
    expect(await value('tts_models_resident_count', 'piper-en')).toBe(0)
    // An eviction of what the worker does not hold changes nothing.
    await collect(pool.run({ kind: 'evict', modelId: 'piper-en' }))
    expect(await value('tts_model_eviction_total', 'piper-en')).toBe(1)

    await pool.close()
    expect(await value('tts_model_unload_total', 'piper-de')).toBe(1)
    expect(await value('tts_models_resident_count', 'piper-de')).toBe(0)
    expect(await value('tts_model_unload_total', 'piper-en')).toBe(0)
  })

  test('model ids stay bounded: past the limit they are counted as other', async () => {
    metrics = createMetrics(openMetricsRegistry())
    for (let i = 0; i < 100; i++) metrics.models.loadStarted(`model-${i}`).loaded()
    const series = (await metrics.registry.getSingleMetric('tts_model_load_total')!.get()).values
    expect(series.length).toBe(65)
    expect(series.find((v) => v.labels.model_id === 'other')?.value).toBe(36)
  })
})
