/**
 * The plugin contract of an engine kind (docs/architecture.md): what one folder under
 * src/tts/engines/ hands the kinds registry (kinds.ts). A kind owns the schema of its
 * engines-file entries and the factory that turns one entry into a routed engine; nothing
 * outside its folder knows more about it.
 */
import type { Tracer } from '@opentelemetry/api'
import type { Logger } from 'pino'
import type { z } from 'zod'
import type { Metrics } from '../../../telemetry/metrics.ts'
import type { EncoderSource } from '../../encoding/stream-encoder.ts'
import type { PoolEngineOptions } from '../../worker-pool.ts'
import type { RoutedEngine } from './routed-engine.ts'

/** What the engines file adds to every entry besides its kind's own fields. */
export interface EngineIdentity {
  /** The entry's key in the engines file (`kokoro`, `local`). */
  name: string
  /** The key read from the variable the entry names in `api_key_env` (never from the file). */
  apiKey?: string
  /** USD per million characters the engine bills (usage cost, currency budgets); 0 or unset: free. */
  price_per_million_characters?: number
}

/** What every kind's factory may use; each takes what it needs. */
export interface KindDeps {
  tracer: Tracer
  metrics?: Metrics
  logger?: Logger
  /** Where PCM that arrives on the event loop is encoded: the encode pool, or this thread. */
  encoders: EncoderSource
  /** Pool sizing for kinds that synthesise in worker threads (TTS_MAX_CONCURRENCY, TTS_MAX_QUEUE, ...). */
  pool: PoolEngineOptions
  /** Which espeak-ng build an espeak entry without `variant` uses (TTS_ENGINE). */
  espeakVariant: string
}

/**
 * One engine kind. `settings` is a strict zod object whose `kind` field is the literal
 * `kind`, so the engines file's union of all kinds reports a wrong kind by name.
 *
 * @example
 * export const openaiKind = defineKind({ kind: 'openai', settings: openaiSettings, transcodes: true, create: createOpenAIEngine })
 */
export interface EngineKind<Schema extends z.ZodObject = z.ZodObject> {
  /** The `kind:` value of an engines-file entry. */
  readonly kind: string
  readonly settings: Schema
  /**
   * Its audio arrives as PCM on the event loop (from the network) and is encoded there or
   * in the encode workers: the service starts encode workers when a configured engine needs them.
   */
  readonly transcodes: boolean
  create(settings: z.output<Schema> & EngineIdentity, deps: KindDeps): RoutedEngine
}

/** Types a kind's definition (its settings flow into its factory). */
export function defineKind<Schema extends z.ZodObject>(kind: EngineKind<Schema>): EngineKind<Schema> {
  return kind
}
