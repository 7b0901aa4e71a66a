/**
 * Builds the engine router from a parsed engines file: one engine per entry, each kind
 * from its own folder, sharing the tracer and metrics.
 */
import type { Tracer } from '@opentelemetry/api'
import type { Logger } from 'pino'
import type { Metrics } from '../../../telemetry/metrics.ts'
import { inProcessEncoders, type EncoderSource } from '../../encoding/stream-encoder.ts'
import { resolveVoice } from '../../voices.ts'
import { createElevenLabsEngine } from '../elevenlabs/elevenlabs-engine.ts'
import { createEngine, type CreateEngineOptions } from '../index.ts'
import { createOpenAIEngine } from '../openai/openai-engine.ts'
import type { RoutedEngine } from '../upstream/upstream-engine.ts'
import { UPSTREAM_REASONS } from '../upstream/upstream-error.ts'
import { EngineRouter } from './engine-router.ts'
import type { EngineSettings, EnginesFile } from './engines-file.ts'

export interface BuildRouterDeps {
  tracer: Tracer
  metrics?: Metrics
  logger?: Logger
  /** Pool settings for espeak entries (TTS_ENGINE, TTS_MAX_CONCURRENCY, ...). */
  espeak: CreateEngineOptions
  /** Where upstream PCM is transcoded: the encode pool; absent, on the event loop (TTS_ENCODE_WORKERS=0). */
  encoders?: EncoderSource
}

/**
 * @example
 * const router = buildRouter(parseEnginesFile(text, process.env), { tracer, metrics, logger, espeak: { engine: 'espeak', workers: 2, maxQueue: 64 } })
 * await router.warmup()
 */
export function buildRouter(file: EnginesFile, deps: BuildRouterDeps): EngineRouter {
  const onEventLoop = () => deps.metrics?.transcodes.inc({ thread: 'event_loop' })
  const encoders = deps.encoders ?? inProcessEncoders(onEventLoop)
  const engines = file.engines.map((settings) => buildEngine(settings, { ...deps, encoders }))
  if (deps.metrics) {
    // Series that exist from the start, so error ratios and fallback rates read 0, not "no data".
    for (const e of file.engines) {
      if (e.kind === 'espeak') continue
      for (const reason of UPSTREAM_REASONS) deps.metrics.upstreamErrors.inc({ engine: e.name, reason }, 0)
      deps.metrics.upstreamCharacters.inc({ engine: e.name }, 0)
      for (const outcome of ['ok', 'error', 'cancelled']) deps.metrics.upstreamDuration.zero({ engine: e.name, outcome })
      deps.metrics.upstreamFirstByte.zero({ engine: e.name })
    }
    for (const from of file.engines) {
      for (const to of file.fallback) if (to !== from.name) deps.metrics.fallbacks.inc({ from: from.name, to }, 0)
    }
  }
  return new EngineRouter({
    engines,
    default: file.default,
    fallback: file.fallback,
    ...(deps.metrics && { metrics: deps.metrics }),
    ...(deps.logger && { logger: deps.logger }),
  })
}

function buildEngine(settings: EngineSettings, deps: BuildRouterDeps): RoutedEngine {
  const upstreamDeps = {
    tracer: deps.tracer,
    ...(deps.metrics && { metrics: deps.metrics }),
    ...(deps.logger && { logger: deps.logger }),
    ...(deps.encoders && { encoders: deps.encoders }),
  }
  switch (settings.kind) {
    case 'openai':
      return createOpenAIEngine(settings, upstreamDeps)
    case 'elevenlabs':
      return createElevenLabsEngine(settings, upstreamDeps)
    case 'espeak': {
      const engine = createEngine({ ...deps.espeak, engine: settings.variant ?? deps.espeak.engine, ...(deps.metrics && { models: deps.metrics.models, modelId: settings.name }) })
      return {
        name: settings.name,
        kind: 'espeak',
        synthesize: (text, voice, options, signal) => engine.synthesize(text, voice, options, signal),
        voices: () => engine.voices(),
        resolve: (id) => resolveVoice(id),
        scope: () => engine.name,
        warmup: () => engine.warmup(),
        stats: () => engine.stats(),
        close: () => engine.close(),
      }
    }
  }
}
