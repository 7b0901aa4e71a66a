/**
 * `bun run bench gateway-miss-telemetry` (only when named): telemetry's CPU per gateway miss,
 * in-process, so neither a load generator nor the kernel's socket work of the inbound side
 * adds its noise. Each build (this one, and each BENCH_BASELINE_ROOT checkout, imported from
 * its own files) is built as main.ts builds it in front of one `openai` engine whose upstream
 * is bench/fixed-upstream.ts in its own process (~8 KB mp3, streamed through), with its cache
 * switched off, twice: every signal on at the default sampling (OTLP to a sink that accepts
 * and discards; log lines serialised for a destination that drops them, as stdout would take
 * them) and telemetry off. Rounds of ROUND_REQUESTS misses, 8 at a time through
 * `app.request` (each a new 20-word text, its body read to the end), every app in turn in an
 * order that rotates; CPU is this process's (process.cpuUsage), the upstream's not counted.
 * Telemetry's cost is each round's difference (on - off) of one build, its median printed.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { makeMp3 } from './gateway-fixtures.ts'
import { otlpSink, spawnService, TELEMETRY_OFF } from './service.ts'
import { fmt, quantile, rotatingRounds } from './stats.ts'
import { TWENTY_WORDS } from './texts.ts'

const ROOT = join(import.meta.dir, '..')
const ROUND_REQUESTS = () => Number(process.env.BENCH_GMT_REQUESTS ?? 1000)
const ROUNDS = () => Number(process.env.BENCH_GMT_ROUNDS ?? 15)
const CONCURRENCY = 8
const baselineRoots = () => (process.env.BENCH_BASELINE_ROOT ?? '').split(',').filter(Boolean)

interface Gateway {
  label: string
  request: (path: string, init: RequestInit) => Response | Promise<Response>
  close: () => Promise<unknown>
  /** The app's inner layers, for a bench that calls them directly (gateway-layers.ts). */
  engine: { synthesize: (text: string, voice: unknown, options: object, signal?: AbortSignal) => AsyncIterable<unknown>; resolveVoice: (name: string) => unknown }
  speech: { speak: (request: object) => Promise<{ chunks: AsyncIterable<Uint8Array> }> }
}

/** A build's app as main.ts composes it, from the build's own modules; `cache: true` gives it a filesystem cache with a memory tier (bench/hit-telemetry.ts). */
export async function gatewayOf(root: string, label: string, env: Record<string, string>, upstreamUrl: string, options: { cache?: boolean } = {}): Promise<Gateway> {
  const from = (path: string) => import(join(root, path))
  const { loadConfig } = await from('src/config.ts')
  const { createTracing } = await from('src/telemetry/tracing.ts')
  const { createLogShipper } = await from('src/telemetry/log-shipping.ts')
  const { createLogger } = await from('src/telemetry/logger.ts')
  const { createMetrics, openMetricsRegistry } = await from('src/telemetry/metrics.ts')
  const { parseEnginesFile } = await from('src/tts/engines/engines-file.ts')
  const { buildRouter } = await from('src/tts/engines/build-router.ts')
  const { openAudioCache } = await from('src/cache/open-cache.ts')
  const { SpeechService } = await from('src/tts/speech-service.ts')
  const { openMetering } = await from('src/usage/open-metering.ts')
  const { createApp } = await from('src/app.ts')
  const config = loadConfig({ ...env, TTS_CACHE_MAX_BYTES: '0', TTS_CACHE_MEMORY_BYTES: '0' })
  const metrics = config.TTS_METRICS_ENABLED ? createMetrics(openMetricsRegistry()) : undefined
  const tracing = createTracing(config)
  const shipper = createLogShipper(config)
  const logger = createLogger({ level: config.LOG_LEVEL, destination: { write: () => {} }, ...(shipper && { shipper }) })
  const engines = parseEnginesFile(JSON.stringify({ engines: { up: { kind: 'openai', url: `${upstreamUrl}/v1`, max_concurrency: 256, max_queue: 1000 } }, default: 'up' }), {})
  const engine = buildRouter(engines, { tracer: tracing.tracer, logger, pool: { workers: 1, maxQueue: 8 }, espeakVariant: config.TTS_ENGINE, ...(metrics && { metrics }) })
  await engine.warmup()
  const cacheDir = mkdtempSync(join(tmpdir(), 'tts-bench-gmt-'))
  const cache = await openAudioCache({ dir: cacheDir, ...(options.cache ? { maxBytes: 64 << 20, memoryBytes: 16 << 20 } : { maxBytes: 0, memoryBytes: 0 }) })
  const speech = new SpeechService({ engine, cache, tracer: tracing.tracer, logger, ...(metrics && { metrics }) })
  const usage = openMetering({
    dataDir: ':memory:',
    flushMs: config.TTS_USAGE_FLUSH_MS,
    flushEvents: config.TTS_USAGE_FLUSH_EVENTS,
    retentionDays: config.TTS_USAGE_RETENTION_DAYS,
    prices: new Map(),
    engineOf: () => 'up',
    ...(metrics && { metrics }),
    logger,
  })
  const app = createApp({
    speech,
    engine,
    streamIdleTimeoutSeconds: 60,
    maxStreamContexts: 5,
    maxStreamSessions: 1000,
    voices: () => engine.voices(),
    resolveVoice: engine.resolveVoice,
    tracer: tracing.tracer,
    logger,
    ...(metrics && { metrics }),
    readiness: {},
    maxInputChars: 4096,
    maxBodyBytes: 65536,
    logText: false,
    metering: usage.metering,
  })
  const close = async () => {
    await Promise.all([engine.close(), tracing.shutdown(), shipper?.shutdown(), usage.close(), cache.close()])
    rmSync(cacheDir, { recursive: true, force: true })
  }
  return { label, request: (path, init) => app.request(path, init), close, engine, speech }
}

let sequence = 0

/** `count` misses, CONCURRENCY at a time; CPU µs per miss. */
export async function round(gateway: Gateway, count: number): Promise<number> {
  const prefix = TWENTY_WORDS.replace(/today\.$/, '')
  let next = 0
  const start = process.cpuUsage()
  const worker = async () => {
    while (next++ < count) {
      const body = JSON.stringify({ model: 'tts-1', voice: 'alloy', response_format: 'mp3', input: `${prefix}${++sequence}.` })
      const res = await gateway.request('/v1/audio/speech', { method: 'POST', body, headers: { 'content-type': 'application/json' } })
      await res.arrayBuffer()
      if (res.status !== 200) throw new Error(`${gateway.label}: status ${res.status}`)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const used = process.cpuUsage(start)
  return (used.user + used.system) / count
}

export async function benchGatewayMissTelemetry(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tts-bench-gmt-'))
  const sink = otlpSink()
  const upstream = await spawnService({ UPSTREAM_BODY_FILE: makeMp3(dir) }, 'bench/fixed-upstream.ts')
  const gateways: Gateway[] = []
  try {
    // BENCH_GMT_KEEP_RATIO=1 keeps every trace: what a kept trace costs shows undiluted.
    const keep = process.env.BENCH_GMT_KEEP_RATIO
    const on = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, LOG_LEVEL: 'info', ...(keep && { TTS_TRACE_KEEP_RATIO: keep }) }
    const off = TELEMETRY_OFF
    for (const [name, root] of [['this build', ROOT] as const, ...baselineRoots().map((r) => [basename(r), r] as const)]) {
      gateways.push(await gatewayOf(root, `${name}, every signal on`, on, upstream.url))
      gateways.push(await gatewayOf(root, `${name}, telemetry off`, off, upstream.url))
    }
    for (const g of gateways) await round(g, ROUND_REQUESTS())
    const us = await rotatingRounds(gateways, ROUNDS(), (g) => round(g, ROUND_REQUESTS()))
    const lines = [
      `Gateway miss telemetry, in-process${process.env.BENCH_GMT_KEEP_RATIO ? ` (TTS_TRACE_KEEP_RATIO=${process.env.BENCH_GMT_KEEP_RATIO})` : ''}: CPU per miss of this process (app.request, ${CONCURRENCY} at a time, every request a new 20-word text, ~8 KB mp3 from an upstream process, cache off; ${ROUNDS()} rotating rounds of ${ROUND_REQUESTS()}, median):`,
      ...gateways.map((g, n) => `  ${g.label.padEnd(36)} ${fmt(quantile(us[n]!, 0.5), 1).padStart(7)} µs  (quartiles ${fmt(quantile(us[n]!, 0.25), 1)} to ${fmt(quantile(us[n]!, 0.75), 1)})`),
    ]
    for (let b = 0; b < gateways.length; b += 2) {
      const diffs = us[b]!.map((x, i) => x - us[b + 1]![i]!)
      lines.push(`  telemetry, ${gateways[b]!.label.replace(/, every signal on$/, '')} (on - off, per round): median ${fmt(quantile(diffs, 0.5), 1)} µs (quartiles ${fmt(quantile(diffs, 0.25), 1)} to ${fmt(quantile(diffs, 0.75), 1)})`)
    }
    // Every signal on, this build against each other build in the same round.
    for (let b = 2; b < gateways.length; b += 2) {
      const diffs = us[0]!.map((x, i) => x - us[b]![i]!)
      lines.push(`  every signal on, this build - ${gateways[b]!.label.replace(/, every signal on$/, '')} (per round): median ${fmt(quantile(diffs, 0.5), 1)} µs (quartiles ${fmt(quantile(diffs, 0.25), 1)} to ${fmt(quantile(diffs, 0.75), 1)})`)
    }
    return lines
  } finally {
    await Promise.all(gateways.map((g) => g.close()))
    await upstream.stop()
    sink.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
