/**
 * Builds the engine router from the engines file (or, without one, the implicit lone
 * espeak engine): one engine per entry, each from its kind's factory (kinds.ts), sharing
 * the tracer, metrics and encoders.
 */
import type { Tracer } from '@opentelemetry/api'
import type { Logger } from 'pino'
import { ConfigError } from '../../config.ts'
import type { Metrics } from '../../telemetry/metrics.ts'
import { inProcessEncoders, type EncoderSource } from '../encoding/stream-encoder.ts'
import type { StitchingIds } from '../params/stitching-ids.ts'
import type { PoolEngineOptions } from '../worker-pool.ts'
import type { EnginesFile } from './engines-file.ts'
import { createRoutedEngine, kindOf } from './kinds.ts'
import { EngineRouter } from './router/engine-router.ts'

export interface BuildRouterDeps {
  tracer: Tracer
  metrics?: Metrics
  logger?: Logger
  /** Pool sizing for engines that synthesise in workers (TTS_MAX_CONCURRENCY, TTS_MAX_QUEUE, ...). */
  pool: PoolEngineOptions
  /** Which espeak-ng build espeak entries without `variant` use (TTS_ENGINE). */
  espeakVariant: string
  /** Where network PCM is transcoded: the encode pool; absent, on the event loop (TTS_ENCODE_WORKERS=0). */
  encoders?: EncoderSource
  /** Which engine made each generation clients may name in stitching ids. */
  stitching?: StitchingIds
}

/**
 * True when an engine of the file receives PCM on the event loop that must be encoded:
 * only then are encode workers worth starting.
 *
 * @example
 * const pool = needsEncoders(file) ? new EncodePool({ ... }) : undefined
 */
export function needsEncoders(file: EnginesFile): boolean {
  return file.engines.some((e) => kindOf(e).transcodes)
}

/**
 * Throws ConfigError listing every entry a kind refused (e.g. a `sherpa` model file that is missing).
 *
 * @example
 * const router = buildRouter(parseEnginesFile(text, process.env), { tracer, metrics, logger, pool: { workers: 2, maxQueue: 64 }, espeakVariant: 'espeak' })
 * await router.warmup()
 */
export function buildRouter(file: EnginesFile, deps: BuildRouterDeps): EngineRouter {
  const onEventLoop = () => deps.metrics?.transcodes.inc({ thread: 'event_loop' })
  const kindDeps = {
    tracer: deps.tracer,
    pool: deps.pool,
    espeakVariant: deps.espeakVariant,
    encoders: deps.encoders ?? inProcessEncoders(onEventLoop),
    ...(deps.metrics && { metrics: deps.metrics }),
    ...(deps.logger && { logger: deps.logger }),
  }
  // A kind may refuse its entry (files it checks at start): every refusal is reported at once.
  const problems: string[] = []
  const engines = file.engines.flatMap((settings) => {
    try {
      return [createRoutedEngine(settings, kindDeps)]
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      problems.push(...err.problems)
      return []
    }
  })
  if (problems.length) {
    for (const engine of engines) void engine.close()
    throw new ConfigError(problems)
  }
  if (deps.metrics) {
    // Series that exist from the start, so fallback rates read 0, not "no data".
    for (const from of file.engines) {
      for (const to of file.fallback) if (to !== from.name) deps.metrics.fallbacks.inc({ from: from.name, to }, 0)
    }
  }
  return new EngineRouter({
    engines,
    default: file.default,
    fallback: file.fallback,
    ...(file.implicit && { transparent: true }),
    ...(deps.stitching && { stitching: deps.stitching }),
    ...(deps.metrics && { metrics: deps.metrics }),
    ...(deps.logger && { logger: deps.logger }),
  })
}
