/**
 * The app built in-process exactly as main.ts builds it, for tests that drive thousands of
 * requests through app.request (no sockets) and for measuring the service's own CPU
 * without a load generator competing for the cores.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'
import { createApp } from '../../src/app.ts'
import { Dictionaries } from '../../src/pronunciation/dictionaries.ts'
import { openSqliteDictionaryStore } from '../../src/pronunciation/sqlite-dictionary-store.ts'
import { openAudioCache } from '../../src/cache/open-cache.ts'
import { loadConfig } from '../../src/config.ts'
import { createLogShipper } from '../../src/telemetry/log-shipping.ts'
import { createLogger } from '../../src/telemetry/logger.ts'
import { createMetrics, openMetricsRegistry } from '../../src/telemetry/metrics.ts'
import { createTracing } from '../../src/telemetry/tracing.ts'
import type { Engine } from '../../src/tts/engine.ts'
import { buildRouter } from '../../src/tts/engines/build-router.ts'
import { IMPLICIT_ENGINES } from '../../src/tts/engines/engines-file.ts'
import { routedEspeak } from '../../src/tts/engines/espeak/espeak-kind.ts'
import { EngineRouter } from '../../src/tts/engines/router/engine-router.ts'
import { SpeechService } from '../../src/tts/speech-service.ts'
import { openMetering } from '../../src/usage/open-metering.ts'

export interface InProcessOptions {
  telemetry: boolean
  /** Receives every log line (at info level, whatever `telemetry` says); discarded otherwise. */
  logLines?: (line: string) => void
  maxInputChars?: number
  maxBodyBytes?: number
  /** Another espeak engine (fault tests), standing alone as main.ts's does; the WASM engine otherwise. */
  engine?: Engine
  /** Where OTLP exports go when telemetry is on. */
  endpoint?: string
  exporter?: SpanExporter
  /** Usage accounting, as main.ts always has it (default); false only to measure what it costs. */
  usage?: boolean
}

/** Builds the app exactly as main.ts does, with telemetry on or off. */
export async function buildApp(options: InProcessOptions) {
  const config = loadConfig(
    options.telemetry
      ? { OTEL_EXPORTER_OTLP_ENDPOINT: options.endpoint ?? 'http://127.0.0.1:9', OTEL_TRACES_SAMPLER: 'always_on', TTS_ENGINE: 'espeak-wasm' }
      : { OTEL_SDK_DISABLED: 'true', TTS_METRICS_ENABLED: 'false', LOG_LEVEL: 'silent', TTS_ENGINE: 'espeak-wasm' },
  )
  const tracing = createTracing(config, options.exporter)
  const shipper = createLogShipper(config)
  // Without a reader, lines go nowhere: the cost of serialising them is what a benchmark measures.
  const sink = { write: options.logLines ?? (() => {}) }
  const level = options.logLines ? 'info' : config.LOG_LEVEL
  const logger = createLogger({ level, destination: sink, ...(shipper && { shipper }) })
  // As main.ts without an engines file: one router standing for espeak alone.
  const engine = options.engine
    ? new EngineRouter({ engines: [routedEspeak('espeak', options.engine)], default: 'espeak', fallback: [], transparent: true })
    : buildRouter(IMPLICIT_ENGINES, { tracer: tracing.tracer, logger, pool: { workers: 1, maxQueue: 8 }, espeakVariant: config.TTS_ENGINE })
  await engine.warmup()
  const cache = await openAudioCache({ dir: mkdtempSync(join(tmpdir(), 'tts-inproc-')), memoryBytes: config.TTS_CACHE_MEMORY_BYTES })
  const metrics = config.TTS_METRICS_ENABLED ? createMetrics(openMetricsRegistry()) : undefined
  // Pronunciation dictionaries in a private SQLite file, as main.ts keeps them under TTS_DATA_DIR.
  const dictionaries = new Dictionaries(() => openSqliteDictionaryStore(join(mkdtempSync(join(tmpdir(), 'tts-inproc-dict-')), 'dictionaries.sqlite')))
  const speech = new SpeechService({ engine, cache, tracer: tracing.tracer, logger, ...(metrics && { metrics }), dictionaries })
  // Usage is counted as main.ts counts it, into a ledger that lives as long as the app.
  const usage = openMetering({
    dataDir: ':memory:',
    flushMs: config.TTS_USAGE_FLUSH_MS,
    flushEvents: config.TTS_USAGE_FLUSH_EVENTS,
    retentionDays: config.TTS_USAGE_RETENTION_DAYS,
    prices: new Map(),
    engineOf: () => 'espeak',
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
    maxInputChars: options.maxInputChars ?? 4096,
    maxBodyBytes: options.maxBodyBytes ?? 65536,
    logText: false,
    ...(options.usage !== false && { metering: usage.metering }),
    dictionaries,
  })
  return { app, engine, close: async () => Promise.all([engine.close(), tracing.shutdown(), shipper?.shutdown(), usage.close(), dictionaries.close()]) }
}
