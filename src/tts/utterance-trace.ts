/**
 * The tracing of one utterance of a streaming session. Each is its own short trace
 * (`tts.utterance`, linked to the session span, parent of its cache lookup and `tts.synthesize`), kept or
 * dropped when its audio has left, was cancelled or failed: a session's spans never
 * outlive the collector's decision wait.
 */
import { SpanStatusCode, trace, type Context, type Tracer } from '@opentelemetry/api'
import type { AudioFormatSpec } from '../audio/formats.ts'
import { finishLinkedTrace, startLinkedTrace } from '../telemetry/linked-trace.ts'
import { recordError } from '../telemetry/tracing.ts'
import type { Voice } from './engine.ts'

export interface UtteranceTraceSetup {
  tracer: Tracer
  /** The session span's context: each utterance's trace links to it. */
  parent: Context
  voice: Voice
  format: AudioFormatSpec
  route: string
}

export type UtteranceOutcome = 'sent' | 'cancelled' | 'failed'

/**
 * Starts the utterance's trace; returns its context (root span and unit of work).
 *
 * @example
 * const utteranceTrace = startUtteranceTrace({ tracer, parent, voice, format, route: '/v1/stream' }, 'Hello there.')
 */
export function startUtteranceTrace(setup: UtteranceTraceSetup, text: string): Context {
  const { tracer, parent, voice, format, route } = setup
  return startLinkedTrace(tracer, 'tts.utterance', parent, { 'http.route': route, 'tts.voice': voice.id, 'tts.language': voice.language, 'tts.format': format.name, 'tts.characters': text.length })
}

/**
 * Ends the utterance's trace: kept if it failed, was slow, renewed an exemplar, or by share.
 *
 * @example
 * endUtteranceTrace(utteranceTrace, 'sent', undefined, 0.8)
 */
export function endUtteranceTrace(utterance: Context, outcome: UtteranceOutcome, error: unknown, seconds: number): void {
  const span = trace.getSpan(utterance)!
  if (outcome === 'cancelled') span.setAttribute('tts.cancelled', true)
  if (outcome === 'failed') {
    if (error) recordError(span, error)
    else span.setStatus({ code: SpanStatusCode.ERROR })
  }
  finishLinkedTrace(utterance, { error: outcome === 'failed', seconds })
}
