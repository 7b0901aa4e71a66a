/**
 * The contract every speech engine honours (docs/architecture.md, "The seams").
 *
 * An engine turns text into 16-bit mono PCM. It yields audio as soon as it has
 * some (per sentence, or per callback block for engines that stream), so the
 * HTTP and WebSocket layers can send the first bytes before the whole text is
 * spoken. Engines never run synthesis on the event loop: see worker-pool.ts.
 */

import type { AudioFormatSpec } from '../audio/formats.ts'
import type { RenderedSpeech } from '../markup/rendered.ts'
import type { SpeechDoc } from '../markup/speech-doc.ts'
import type { ParamSupport, VoiceParams } from './params/voice-params.ts'

/** Gender as the voice catalogue reports it (OpenAI / ElevenLabs labels). */
export type Gender = 'male' | 'female'

/** One entry of the voice catalogue. */
export interface Voice {
  /** Stable public id, e.g. `en-us-f1` (used in URLs and cache keys). */
  id: string
  /** Human name shown in pickers, e.g. `English (America), female 1`. */
  name: string
  /** BCP-47-ish language tag, e.g. `en-US`, `de`, `pt-BR`. */
  language: string
  gender: Gender
  /** The engine's own voice selector, e.g. espeak-ng `en-us+f3`. */
  engineVoice: string
  /** How its engine describes it (ElevenLabs' `description`), e.g. `espeak-ng en-us+f3`; absent: its name. */
  description?: string
}

/** A word (or sentence) boundary the engine measured in its own output. */
export interface Boundary {
  /** Offset of the unit in the text that was passed to `synthesize` (UTF-16 code units). */
  textOffset: number
  /** Length of the unit in the text (UTF-16 code units). */
  textLength: number
  /** Sample index, counted from the start of the whole utterance, where the unit starts. */
  sampleOffset: number
  /** What the unit is: a word the engine reported, or a sentence the text was split into. */
  kind?: 'word' | 'sentence'
}

/** A block of synthesised audio. */
export interface PcmChunk {
  /** Signed 16-bit mono samples (empty when the engine encoded them: see `encoded`). */
  samples: Int16Array
  sampleRate: number
  /** When `SynthesisOptions.format` was given and the engine encodes: this chunk's bytes. */
  encoded?: Uint8Array
  /** Samples `encoded` stands for. */
  sampleCount?: number
  /** On the last chunk of an encoding job: the complete file with final headers. */
  whole?: Uint8Array
  /** With `whole`: time spent encoding, ms. */
  encodeMs?: number
  /**
   * Boundaries that start inside this chunk, measured by the engine (word events for
   * engines that report them, at least one per sentence otherwise). Used for alignment.
   */
  boundaries?: Boundary[]
  /** Set by the engine router: the configured engine that produced this chunk (`X-TTS-Engine`). */
  engine?: string
  /** Set by the engine router when a fallback engine produced it: not cached under the asked-for voice. */
  fallback?: boolean
  /** On an upstream's first chunk: its `request-id` (ElevenLabs request stitching), passed back to the client. */
  upstreamRequestId?: string
}

export interface SynthesisOptions {
  /** Speaking rate multiplier, 0.25 to 4.0 (1 = the engine's normal rate). */
  speed?: number
  /**
   * Output format. Engines that can encode off the main thread return `encoded` bytes
   * (and `whole` at the end) instead of samples; others ignore it and the caller encodes.
   */
  format?: AudioFormatSpec
  /** The client's model (upstream engines forward it; espeak ignores it). */
  model?: string
  /**
   * The request's voice parameters this engine honours (see `Engine.params`): what the
   * client sent, already stripped of what the engine does not take.
   */
  params?: VoiceParams
  /** `none`: the client asked that nothing be kept (an ElevenLabs upstream gets `enable_logging=false`). */
  retention?: 'none'
  /**
   * The caller aligns text to audio: upstream engines then report timings where their API
   * has them and exact sample counts (espeak always does both).
   */
  alignment?: boolean
  /**
   * The streaming session (or context) this text belongs to: upstreams with a streaming
   * protocol keep one connection per session and close it when the session ends.
   */
  session?: SynthesisSession
  /**
   * The speech in the internal form (docs/api.md, "Speech markup"): markup parsed,
   * pronunciation rules applied, text cleaned up. When set, the engine renders it its own way
   * (see {@link SpeechReading}) instead of reading `text`, and reports boundaries in offsets of
   * `speech.source`, the client's own text.
   */
  speech?: SpeechDoc
}

/** How an engine reads the internal form of speech, for one voice. */
export interface SpeechReading {
  /** The engine reads numbers, dates and the like well itself: `apply_text_normalization=auto` leaves them to it. */
  normalizesText: boolean
  /** The document as this engine reads it (and what of it the engine cannot honour). */
  render(doc: SpeechDoc): RenderedSpeech
}

/** A streaming session as engines see it: an identity, and word of its end. */
export interface SynthesisSession {
  onEnd(fn: () => void): void
}

/** Thrown when the engine cannot accept more work (the queue is full): maps to 429. */
export class EngineBusyError extends Error {
  override readonly name = 'EngineBusyError'
  constructor(
    readonly queued: number,
    readonly limit: number,
  ) {
    super(`synthesis queue is full (${queued} waiting, limit ${limit})`)
  }
}

/** Thrown when a worker crashed or hung while synthesising: maps to 503. */
export class EngineUnavailableError extends Error {
  override readonly name: string = 'EngineUnavailableError'
  /**
   * True when no configured engine could serve the request (the router's verdict after trying
   * each in turn): the message then names only engines and reasons, so clients are shown it,
   * and a retry soon may succeed (WebSocket 1013 rather than 1011).
   */
  readonly everyEngineDown: boolean = false
  constructor(
    message: string,
    /** How long a client should wait before trying again (Retry-After). */
    readonly retryAfterSeconds = 1,
  ) {
    super(message)
  }

  /** This failure in a few words for a summary of several (an engine and a reason); its name by default. */
  get brief(): string {
    return this.name
  }
}

/** Load figures an engine reports for metrics and readiness. */
export interface EngineStats {
  /** Requests waiting for a worker. */
  queued: number
  /** Workers currently synthesising. */
  busy: number
  /** Workers in the pool. */
  workers: number
  /** True once `warmup()` has completed. */
  ready: boolean
}

export interface Engine {
  /** Short engine id used in cache keys and metrics, e.g. `espeak-wasm`. */
  readonly name: string
  /**
   * Synthesise `text` with `voice`, yielding PCM as it becomes available.
   * Aborting `signal` drops queued work and stops running work as soon as the engine can;
   * the iterator then throws the signal's reason.
   *
   * @example
   * for await (const chunk of engine.synthesize('Hello there.', voice, { speed: 1 }, signal)) {
   *   sink.write(chunk.samples)
   * }
   */
  synthesize(text: string, voice: Voice, options: SynthesisOptions, signal?: AbortSignal): AsyncIterable<PcmChunk>
  /** The catalogue this engine can speak. */
  voices(): readonly Voice[]
  /** Load and compile everything so the first request is as fast as the rest. */
  warmup(): Promise<void>
  stats(): EngineStats
  /**
   * What, besides the voice id, identifies the audio this engine makes for `voice` in cache
   * keys (e.g. an upstream and its model); `name` when absent.
   */
  cacheScope?(voice: Voice): string
  /**
   * The configured engine that speaks `voice` (one model per engine entry): the bounded
   * `model_id` of synthesis and session metrics. `name` when absent.
   */
  modelOf?(voice: Voice): string
  /**
   * What this engine does with request parameters when speaking `voice` (docs/api.md "Voice
   * parameters"); absent: it honours none of them.
   *
   * @example
   * engine.params?.(voice)?.honours.has('stability') // true behind an ElevenLabs upstream
   */
  params?(voice: Voice): ParamSupport
  /** How this engine reads markup, dictionaries' phonemes and cleaned text for `voice`. */
  speech?(voice: Voice): SpeechReading
  /** Stop workers and release resources. */
  close(): Promise<void>
}
