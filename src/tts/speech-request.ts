/**
 * What the speech service is asked and what it answers: a batch request's streamed bytes
 * (`speak`) or an utterance's pieces with their word boundaries (`utter`, for streaming
 * sessions and with-timestamps). Both are keyed, looked up and stored alike.
 */
import type { AudioFormatSpec } from '../audio/formats.ts'
import type { MarkupKind } from '../markup/markup-detect.ts'
import type { SpeechDoc } from '../markup/speech-doc.ts'
import type { SynthesisSession, Voice } from './engine.ts'
import type { VoiceParams } from './params/voice-params.ts'
import type { SpeechPiece } from './speech-piece.ts'

/**
 * What may be kept of a request: `none` when the client asked for nothing to be kept
 * (ElevenLabs `enable_logging=false`, `Cache-Control: no-store`), `uncached` when the server's
 * TTS_CACHE_SKIP_PATTERN matched its text; either way its audio is never stored.
 */
export type Retention = 'none' | 'uncached' | undefined

export interface SpeechRequest {
  /** Normalised text to speak. */
  text: string
  /**
   * The client's text exactly as sent (markup, markdown, line breaks): what markup and clean-up
   * read and what alignment indexes when they apply. Default: `text`.
   */
  source?: string
  /** Whether `source` is markup (markup/markup-detect.ts); default: it is not. */
  markup?: MarkupKind
  /** The API key id whose pronunciation dictionaries the locators name ('' with auth off). */
  owner?: string
  /**
   * The speech already in the internal form, with its share of the cache key: a streaming
   * session prepares each utterance in its own context (elements left open, a code fence).
   */
  prepared?: { speech: SpeechDoc; key: string }
  voice: Voice
  format: AudioFormatSpec
  speed: number
  model: string
  /** The voice parameters the client sent (OpenAI `instructions` among them). */
  params?: VoiceParams
  retention?: Retention
  /** The client's disconnect signal. */
  signal?: AbortSignal
  /** Word timings are wanted: only audio stored with them serves, and engines are asked for them. */
  alignment?: boolean
  /** The streaming session (or context) the text belongs to. */
  session?: SynthesisSession
  /** The session's text before this utterance: part of the key for engines that condition on it. */
  context?: string
}

/** A request as production sees it: its parameters split, its speech planned. */
export interface ProducedRequest extends SpeechRequest {
  /** The document to synthesise, or how to make it (deferred to a miss); absent: plain text. */
  speech?: SpeechDoc | (() => SpeechDoc)
}

/** What both answers share. */
interface SpeechAnswer {
  cacheResult: 'cache_hit' | 'created'
  /** Timings for Server-Timing, in ms, known when the call resolves. */
  timings: { cache: number }
  /** The configured engine that produced the audio (known once the first chunk is out). */
  engine?: () => string | undefined
  /** The upstream's own `request-id` of the generation that made this audio (stored with it, so hits have it too). */
  upstreamRequestId?: () => string | undefined
  /** Parameters the client sent that the engine does not honour (`X-TTS-Ignored`). */
  ignored: string[]
  /** Seconds of audio this answer delivers: at once for a hit, growing as a synthesis goes. */
  audioSeconds: () => number
  /**
   * True once an engine synthesised audio for this very request (what it is billed for);
   * false for a cache hit, for a request that joined another's synthesis, and for audio
   * another replica made.
   */
  synthesised: () => boolean
}

export interface SpeechResult extends SpeechAnswer {
  contentType: string
  /** Encoded audio, in order, as it becomes available. */
  chunks: AsyncIterable<Uint8Array>
  /** The whole file, when it was complete before the request (a cache hit): the same bytes as `chunks`, in one piece. */
  body?: Uint8Array
  /** The same as a Blob, when the cache kept one: responses share it instead of copying `body`. */
  blob?: Blob
}

export interface UtteranceResult extends SpeechAnswer {
  /** The text the pieces' boundaries index: the client's own (`source`) when markup or clean-up applied, else `text`. */
  indexes: string
  /** The audio in pieces, as synthesis made them (a hit replays the stored layout). */
  pieces: AsyncIterable<SpeechPiece>
}
