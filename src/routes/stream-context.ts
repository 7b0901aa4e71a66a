/**
 * What a streaming connection is given: its dependencies, the upgrade request's
 * correlation and auth, the settings of one session, and the protocol-error type every
 * protocol throws for bad input.
 */
import { context, trace, type Context, type Tracer } from '@opentelemetry/api'
import type { Context as HonoContext } from 'hono'
import type { Logger } from 'pino'
import type { AppEnv } from '../app-env.ts'
import type { AudioFormatSpec } from '../audio/formats.ts'
import type { Lifecycle } from '../lifecycle.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import { unitOf } from '../telemetry/work-unit.ts'
import type { Dictionaries } from '../pronunciation/dictionaries.ts'
import type { TextNormalization } from '../text-cleanup/clean-up.ts'
import type { Engine, Voice } from '../tts/engine.ts'
import type { ApiKey } from '../keys/keys-file.ts'
import type { VoiceParams } from '../tts/params/voice-params.ts'
import type { Retention, SpeechService } from '../tts/speech-service.ts'
import { presentedKey } from './api-key-auth.ts'
import type { Metering } from '../usage/metering.ts'
import type { KeyLimits } from './key-limits.ts'

export interface StreamDeps {
  /** Says which parameters the voice's engine honours. */
  engine: Engine
  /** Each utterance is looked up, synthesised and stored through it, like a batch request. */
  speech: Pick<SpeechService, 'utter' | 'modelOf'>
  tracer: Tracer
  logger: Logger
  metrics?: Metrics
  resolveVoice: (nameOrId: string) => Voice | undefined
  /** True when sessions must present a key in force. */
  authRequired: boolean
  /** The key in force a client presented, or undefined. */
  findKey: (presented: string | undefined) => ApiKey | undefined
  /** Inactivity before the server closes the session, seconds. */
  idleTimeoutSeconds: number
  /** Open sessions register here so shutdown can ask them to leave (and the limit counts them). */
  lifecycle: Lifecycle
  /** Sessions open at once across the server. */
  maxSessions: number
  /** Longest a session may last, however busy, seconds. */
  maxSessionSeconds: number
  keyLimits?: KeyLimits
  /** Where the dictionaries that sessions' locators name live. */
  dictionaries?: Pick<Dictionaries, 'resolve'>
  /** `apply_text_normalization` when a session does not say (TTS_TEXT_NORMALIZATION). */
  textNormalization?: TextNormalization
  /** Usage accounting and budgets: each session's text is admitted and each utterance recorded. */
  metering?: Metering
}

export interface ConnectionContext {
  requestId: string
  /** Context of the upgrade request's span. */
  parent: Context
  /** True when the upgrade request already carried a valid API key (header), or none is needed. */
  authenticated: boolean
  /** The key the upgrade request presented, when it is in force. */
  apiKey: ApiKey | undefined
}

/** Correlation, trace parent and header auth of the upgrade request. */
export function connectionContext(c: HonoContext<AppEnv>, deps: StreamDeps): ConnectionContext {
  const apiKey = deps.findKey(presentedKey(c.req.header('authorization'), c.req.header('xi-api-key')))
  // The upgrade request's trace holds the session span every utterance links to: always kept.
  unitOf()?.require()
  return {
    requestId: c.get('requestId'),
    parent: trace.setSpan(context.active(), c.get('span')),
    authenticated: !deps.authRequired || apiKey !== undefined,
    apiKey,
  }
}

export interface SessionSetup {
  voice: Voice
  format: AudioFormatSpec
  speed: number
  /** The client's model (keys each utterance's audio like a batch request's). */
  model: string
  alignment: boolean
  chunkLengthSchedule?: readonly number[]
  /** The session's voice parameters, as the client sent them. */
  params: VoiceParams
  /** `none`: nothing of the session is cached or logged. */
  retention: Retention
}

/** A protocol violation: reported in the protocol's shape, then the socket closes with `closeCode`. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError'
  constructor(
    readonly code: string,
    message: string,
    readonly closeCode = 1008,
  ) {
    super(message)
  }
}
