/**
 * `bun run bench store-telemetry`: does a cache store cost more with telemetry on? Issue #20's
 * gateway-cost run read the store at +94 µs per proxied request with telemetry off and +193 µs
 * with it on. This takes the store step alone, as speech-production.ts runs it once a flight has
 * ended (a turn of the event loop, then `tts.cache.store` as a span of the request's trace
 * around `cache.set`), after a request whose keep decision is made as the service makes it,
 * in this process: telemetry on (the service's tracer, default keep ratio, OTLP to a local
 * receiver) or off (`OTEL_SDK_DISABLED`), against a real cache (memory tier and filesystem, as
 * main.ts opens it) or one switched off (`TTS_CACHE_MAX_BYTES=0`, what gateway-cost's "no cache"
 * runs). The four are run in rotating order, rounds of 2,000 stores of a new ~8 KB entry; CPU is
 * this process's own, the thread pool's included. Figures, no verdict.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { context, SpanKind } from '@opentelemetry/api'
import { openAudioCache } from '../src/cache/open-cache.ts'
import type { AudioCache } from '../src/cache/cache.ts'
import { loadConfig } from '../src/config.ts'
import { keeperOf } from '../src/telemetry/sampling.ts'
import { createTracing, withSpan, type Tracing } from '../src/telemetry/tracing.ts'
import { unitOf } from '../src/telemetry/work-unit.ts'
import { otlpSink } from './service.ts'
import { fmt, quantile } from './stats.ts'

const ROUNDS = 12
const STORES_PER_ROUND = 2000
const BODY = new Uint8Array(8 * 1024).map((_, i) => (i * 7) & 255)

/** One store as a flight makes it, in the context of a request whose trace was kept or dropped. */
async function storeOnce(tracing: Tracing, cache: AudioCache, key: string): Promise<void> {
  const { tracer } = tracing
  const keeper = keeperOf(tracer)
  const root = tracer.startSpan('POST', { kind: SpanKind.SERVER }, context.active())
  const parent = keeper.begin(root, context.active())
  keeper.decide(unitOf(parent)!, { error: false, seconds: 0.001 })
  root.end()
  await new Promise<void>((resolve) => setImmediate(resolve))
  const entry = { body: BODY.slice(), contentType: 'audio/mpeg', meta: { durationS: 1.2, sampleRate: 24000, engine: 'upstream' } }
  await context.with(parent, () =>
    withSpan(tracer, 'tts.cache.store', { 'tts.cache.backend': cache.kind, 'tts.bytes': entry.body.byteLength }, () => cache.set(key, entry)),
  )
}

export async function benchStoreTelemetry(): Promise<string[]> {
  const sink = otlpSink()
  const dirs = [mkdtempSync(join(tmpdir(), 'tts-bench-store-')), mkdtempSync(join(tmpdir(), 'tts-bench-store-'))]
  const on = createTracing(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint }))
  const off = createTracing(loadConfig({ OTEL_SDK_DISABLED: 'true' }))
  const cache = await openAudioCache({ dir: dirs[0] })
  const none = await openAudioCache({ dir: dirs[1], maxBytes: 0, memoryBytes: 0 })
  const variants: [string, Tracing, AudioCache][] = [
    ['telemetry on, cache', on, cache],
    ['telemetry on, cache off', on, none],
    ['telemetry off, cache', off, cache],
    ['telemetry off, cache off', off, none],
  ]
  let n = 0
  const round = async ([, tracing, c]: (typeof variants)[number]) => {
    const start = process.cpuUsage()
    for (let i = 0; i < STORES_PER_ROUND; i++) await storeOnce(tracing, c, `store-${++n}-${'k'.repeat(48)}`)
    const used = process.cpuUsage(start)
    return (used.user + used.system) / STORES_PER_ROUND
  }
  try {
    for (const v of variants) await round(v)
    const us = variants.map(() => [] as number[])
    for (let r = 0; r < ROUNDS; r++) {
      // Each variant first, second, third and last equally often.
      for (let k = 0; k < variants.length; k++) {
        const i = (r + k) % variants.length
        us[i]!.push(await round(variants[i]!))
      }
    }
    const med = us.map((xs) => quantile(xs, 0.5))
    const storeOn = us[0]!.map((x, r) => x - us[1]![r]!)
    const storeOff = us[2]!.map((x, r) => x - us[3]![r]!)
    return [
      `The cache store step alone, telemetry on and off (in-process; ${ROUNDS} rotating rounds of ${STORES_PER_ROUND} stores of a new 8 KiB entry, median):`,
      ...variants.map(([label], i) => `  ${label.padEnd(26)} ${fmt(med[i]!, 1).padStart(6)} µs CPU per store step`),
      `  the store (cache - cache off), telemetry on  ${fmt(quantile(storeOn, 0.5), 1)} µs (quartiles ${fmt(quantile(storeOn, 0.25), 1)} to ${fmt(quantile(storeOn, 0.75), 1)})`,
      `  the store (cache - cache off), telemetry off ${fmt(quantile(storeOff, 0.5), 1)} µs (quartiles ${fmt(quantile(storeOff, 0.25), 1)} to ${fmt(quantile(storeOff, 0.75), 1)})`,
    ]
  } finally {
    await Promise.all([on.shutdown(), off.shutdown(), cache.close(), none.close()])
    sink.stop()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
}
