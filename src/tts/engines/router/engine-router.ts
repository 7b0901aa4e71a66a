/**
 * The engine router (docs/gateway.md): one Engine in front of every configured engine,
 * so SpeechService, streaming sessions and routes stay engine-agnostic.
 *
 * Voice ids are `engine:voice`; an unprefixed id (and OpenAI's voice names) goes to the
 * default engine. Synthesis tries the voice's engine, then the `fallback` engines in order
 * with their closest voice, but only while no audio has been yielded: once audio is out, a
 * failure ends the stream (nothing is spoken twice). Each chunk is stamped with the engine
 * that produced it (`X-TTS-Engine`) and whether it was a fallback (not cached as the original).
 *
 * Without an engines file the router is `transparent`: it stands for its one engine, whose
 * voice ids, cache keys, errors and name are what they were before engine files.
 */
import type { Logger } from 'pino'
import type { Metrics } from '../../../telemetry/metrics.ts'
import { type Engine, type EngineStats, type PcmChunk, type SpeechReading, type SynthesisOptions, type Voice } from '../../engine.ts'
import { resolveParams } from '../../params/resolve-params.ts'
import type { StitchingIds } from '../../params/stitching-ids.ts'
import type { ParamSupport } from '../../params/voice-params.ts'
import { closestVoice } from './closest-voice.ts'
import { FailoverAudio } from './failover-audio.ts'
import type { RoutedEngine } from './routed-engine.ts'

export interface EngineRouterOptions {
  engines: readonly RoutedEngine[]
  default: string
  fallback: readonly string[]
  /** One engine that stands for the service (no engines file): no prefixes, no stamps, its own errors. */
  transparent?: boolean
  /** Which engine made the generations clients name in stitching ids (each engine is sent only its own). */
  stitching?: StitchingIds
  metrics?: Metrics
  logger?: Logger
}

/**
 * @example
 * const router = new EngineRouter({ engines: [kokoro, local], default: 'kokoro', fallback: ['local'] })
 * const voice = router.resolveVoice('af_bella') // { id: 'kokoro:af_bella', ... }
 * for await (const chunk of router.synthesize('Hello.', voice!, {})) send(chunk)
 */
export class EngineRouter implements Engine {
  /** `router`; transparent, its engine's own name (`espeak-native`) in spans, logs and cache keys. */
  readonly name: string
  readonly #engines: Map<string, RoutedEngine>
  readonly #default: RoutedEngine
  readonly #transparent: boolean
  // Each engine's candidates, made once: the configured engines and fallback list never change.
  readonly #candidatesOf = new Map<RoutedEngine, readonly RoutedEngine[]>()

  constructor(private readonly options: EngineRouterOptions) {
    this.#engines = new Map(options.engines.map((e) => [e.name, e]))
    const fallback = this.#engines.get(options.default)
    if (!fallback) throw new Error(`default engine ${options.default} is not configured`)
    this.#default = fallback
    this.#transparent = options.transparent === true
    if (this.#transparent && (options.engines.length !== 1 || options.fallback.length > 0)) {
      throw new Error('a transparent router stands for exactly one engine, without fallback')
    }
    this.name = this.#transparent ? fallback.scope() : 'router'
  }

  /** The configured engines, in file order. */
  get engines(): readonly RoutedEngine[] {
    return this.options.engines
  }

  /**
   * `engine:voice`, or a voice of the default engine; undefined for an unknown engine or voice.
   *
   * @example
   * router.resolveVoice('local:de-m1')?.language // 'de'
   */
  resolveVoice = (nameOrId: string): Voice | undefined => {
    if (this.#transparent) return this.#default.resolve(nameOrId)
    const value = nameOrId.trim()
    const colon = value.indexOf(':')
    const engine = colon > 0 ? this.#engines.get(value.slice(0, colon).toLowerCase()) : this.#default
    if (!engine) return undefined
    const voice = engine.resolve(colon > 0 ? value.slice(colon + 1) : value)
    return voice && { ...voice, id: `${engine.name}:${voice.id}` }
  }

  voices(): readonly Voice[] {
    if (this.#transparent) return this.#default.voices()
    return this.options.engines.flatMap((e) => e.voices().map((v) => ({ ...v, id: `${e.name}:${v.id}` })))
  }

  modelOf(voice: Voice): string {
    return this.#engineOf(voice).name
  }

  cacheScope(voice: Voice): string {
    if (this.#transparent) return this.#default.scope()
    const engine = this.#engineOf(voice)
    return `${engine.name}|${engine.scope()}`
  }

  params(voice: Voice): ParamSupport {
    return this.#support(this.#engineOf(voice), voice)
  }

  speech(voice: Voice): SpeechReading {
    return this.#transparent ? this.#default.speech(voice) : this.#engineOf(voice).speech(voice)
  }

  synthesize(text: string, voice: Voice, options: SynthesisOptions, signal?: AbortSignal): AsyncIterable<PcmChunk> {
    // Standing for one engine, the router hands on its audio as it is: no layer of its own per chunk.
    if (this.#transparent) return this.#default.synthesize(text, voice, this.#optionsFor(this.#default, voice, options), signal)
    return this.#routed(text, voice, options, signal)
  }

  #routed(text: string, voice: Voice, options: SynthesisOptions, signal?: AbortSignal): AsyncIterable<PcmChunk> {
    const asked = this.#engineOf(voice)
    return new FailoverAudio({
      candidates: this.#candidates(asked),
      asked,
      start: (engine) => {
        const speaking = engine === asked ? { ...voice, id: voice.id.slice(voice.id.indexOf(':') + 1) } : closestVoice(engine.voices(), voice)
        return speaking && engine.synthesize(text, speaking, this.#optionsFor(engine, speaking, options), signal)
      },
      onFallback: (engine, failures) => {
        this.options.metrics?.fallbacks.inc({ from: asked.name, to: engine.name })
        this.options.logger?.warn({ from: asked.name, to: engine.name, failures: failures.map((f) => f.message) }, 'served by a fallback engine')
      },
      ...(signal && { signal }),
    })
  }

  async warmup(): Promise<void> {
    await Promise.all(this.options.engines.map((e) => e.warmup()))
  }

  stats(): EngineStats {
    const all = this.options.engines.map((e) => e.stats())
    return {
      queued: all.reduce((n, s) => n + s.queued, 0),
      busy: all.reduce((n, s) => n + s.busy, 0),
      workers: all.reduce((n, s) => n + s.workers, 0),
      ready: all.every((s) => s.ready),
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.options.engines.map((e) => e.close()))
  }

  /**
   * What `engine` is given: only the parameters it honours (a fallback engine takes other ones
   * than the engine asked for), and only the stitching ids of generations it made or may have.
   */
  #optionsFor(engine: RoutedEngine, voice: Voice, options: SynthesisOptions): SynthesisOptions {
    // No parameters (most requests): nothing to narrow, and no copy of the options.
    if (!options.params || isEmpty(options.params)) return options
    return { ...options, params: resolveParams(options.params, this.#support(engine, voice)).honoured }
  }

  /** The engine's own support, told which generations it may know (ids other engines made are not its). */
  #support(engine: RoutedEngine, voice: Voice): ParamSupport {
    const own = engine.params(voice)
    const stitching = this.options.stitching
    if (!stitching) return own
    return {
      ...own,
      knows: (id) => stitching.mayKnow(id, engine.name),
    }
  }

  #engineOf(voice: Voice): RoutedEngine {
    if (this.#transparent) return this.#default
    const colon = voice.id.indexOf(':')
    return (colon > 0 && this.#engines.get(voice.id.slice(0, colon))) || this.#default
  }

  /** The voice's engine first, then the fallback list in order (each once). */
  #candidates(asked: RoutedEngine): readonly RoutedEngine[] {
    let candidates = this.#candidatesOf.get(asked)
    if (!candidates) {
      const names = [asked.name, ...this.options.fallback.filter((n) => n !== asked.name)]
      candidates = names.map((n) => this.#engines.get(n)).filter((e): e is RoutedEngine => e !== undefined)
      this.#candidatesOf.set(asked, candidates)
    }
    return candidates
  }
}

function isEmpty(record: object): boolean {
  for (const _ in record) return false
  return true
}
