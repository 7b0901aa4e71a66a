/**
 * What a streaming session (stream-session.ts) is built from: the voice and format every
 * utterance shares, where its audio goes, its telemetry, the protocol's limits and callbacks,
 * and the markup that prepares each unit.
 */
import type { Context, Tracer } from '@opentelemetry/api'
import type { AudioFormatSpec } from '../audio/formats.ts'
import type { StreamSpeech } from '../markup/stream-speech.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import type { Voice } from './engine.ts'
import type { SessionTransport } from './frame-sender.ts'
import type { VoiceParams } from './params/voice-params.ts'
import type { Retention, SpeechService } from './speech-service.ts'
import type { UtteranceSetup } from './utterance.ts'

export interface StreamSessionOptions {
  /** Each utterance is looked up, synthesised and stored through it, like a batch request. */
  speech: Pick<SpeechService, 'utter' | 'modelOf'>
  voice: Voice
  speed: number
  format: AudioFormatSpec
  /** The client's model; default `tts-edge`. */
  model?: string
  /** The session's voice parameters the engine honours (resolveParams' `honoured`). */
  params?: VoiceParams
  retention?: Retention
  transport: SessionTransport
  tracer: Tracer
  /** The session span's context: each utterance's trace links to it. */
  parent: Context
  metrics?: Metrics
  vendor: 'elevenlabs' | 'tts-edge'
  route: string
  alignment: boolean
  chunkLengthSchedule?: readonly number[]
  /** Units synthesised ahead of the one being sent. */
  maxAhead?: number
  /** Units allowed to wait; more text than this without the audio going out is refused. */
  maxQueuedUnits?: number
  /** Called once when synthesis fails (engine busy, crashed): the protocol reports and closes. */
  onError: (err: unknown) => void
  /**
   * The session's markup, dictionaries and clean-up (markup/stream-speech.ts): it says where
   * the buffer may cut, and prepares each unit in the context of the ones before it.
   */
  markup?: StreamSpeech
  /** Each utterance that delivered audio, once it ends (usage accounting). */
  onUtterance?: UtteranceSetup['onSettled']
}
