/**
 * Server-side cost of one cache-hit request, measured in-process (app.fetch, no sockets),
 * so the figure is the service's own CPU without a load generator competing for the cores.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'
import { createApp } from '../src/app.ts'
import { FsCache } from '../src/cache/fs-cache.ts'
import { loadConfig } from '../src/config.ts'
import { createLogShipper } from '../src/telemetry/log-shipping.ts'
import { createLogger } from '../src/telemetry/logger.ts'
import { createMetrics, openMetricsRegistry } from '../src/telemetry/metrics.ts'
import { createTracing } from '../src/telemetry/tracing.ts'
import type { Engine } from '../src/tts/engine.ts'
import { createEngine } from '../src/tts/engines/index.ts'
import { SpeechService } from '../src/tts/speech-service.ts'
import { resolveVoice } from '../src/tts/voices.ts'

export interface InProcessOptions {
  telemetry: boolean
  /** Another engine (fault tests); the WASM engine otherwise. */
  engine?: Engine
  /** Where OTLP exports go when telemetry is on. */
  endpoint?: string
  exporter?: SpanExporter
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
  const sink = { write: () => {} } // stdout stands in: the cost of serialising is what we measure
  const logger = createLogger({ level: config.LOG_LEVEL, destination: sink, ...(shipper && { shipper }) })
  const engine = options.engine ?? createEngine({ engine: 'espeak-wasm', workers: 1, maxQueue: 8 })
  await engine.warmup()
  const cache = await FsCache.open({ dir: mkdtempSync(join(tmpdir(), 'tts-inproc-')) })
  const metrics = config.TTS_METRICS_ENABLED ? createMetrics(openMetricsRegistry()) : undefined
  const speech = new SpeechService({ engine, cache, tracer: tracing.tracer, logger, ...(metrics && { metrics }) })
  const app = createApp({
    speech,
    engine,
    streamIdleTimeoutSeconds: 60,
    maxStreamContexts: 5,
    maxStreamSessions: 1000,
    voices: () => engine.voices(),
    resolveVoice,
    tracer: tracing.tracer,
    logger,
    ...(metrics && { metrics }),
    readiness: {},
    maxInputChars: 4096,
    maxBodyBytes: 65536,
    logText: false,
  })
  return { app, close: async () => Promise.all([engine.close(), tracing.shutdown(), shipper?.shutdown()]) }
}
