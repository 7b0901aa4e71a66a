/**
 * The series every replica exposes from its start, at 0: label values known up front (results,
 * error types, ranges, vendors) and, once the engines are built, each configured engine's. A
 * rate or ratio over them then reads 0 rather than "no data" before the first event.
 */
import type { Metrics } from './metrics.ts'

/** Label values known up front, so rates and ratios start at 0 instead of "no data". */
export const KNOWN_LABELS = {
  result: ['cache_hit', 'created', 'error'],
  vendor: ['elevenlabs', 'tts-edge'],
  errorType: [
    'bad_request',
    'validation',
    'unauthorized',
    'forbidden',
    'quota_exceeded',
    'unavailable',
    'not_found',
    'payload_too_large',
    'unsupported_media_type',
    'busy',
    'engine_unavailable',
    'timeout',
    'internal',
    'stream_aborted',
  ],
  wordRange: ['1-10', '11-25', '26-50', '51-100', '101-200', '200+'],
  charRange: ['1-50', '51-100', '101-250', '251-500', '501-1000', '1001-2000', '2000+'],
  cacheOp: ['get', 'set', 'evict'],
  fleetOutcome: ['leader', 'shared', 'takeover', 'local'],
} as const

/** The series whose label values are known before any engine exists (called by createMetrics). */
export function initialiseSeries(m: Metrics): void {
  for (const result of KNOWN_LABELS.result) m.speechRequests.inc({ result }, 0)
  for (const type of KNOWN_LABELS.errorType) m.errors.inc({ type }, 0)
  for (const op of KNOWN_LABELS.cacheOp) m.cacheErrors.inc({ op }, 0)
  for (const signal of ['traces', 'logs']) m.telemetryDropped.inc({ signal }, 0)
  for (const thread of ['worker', 'event_loop']) m.transcodes.inc({ thread }, 0)
  for (const outcome of KNOWN_LABELS.fleetOutcome) m.fleetLease.inc({ outcome }, 0)
  for (const range of KNOWN_LABELS.wordRange) m.wordCountDuration.zero({ word_count_range: range })
  for (const range of KNOWN_LABELS.charRange) m.charCountDuration.zero({ char_count_range: range })
  for (const vendor of KNOWN_LABELS.vendor) {
    m.streamingCreated.inc({ vendor }, 0)
    m.streamingEnded.inc({ vendor }, 0)
    m.streamingActive.set({ vendor }, 0)
    m.streamingMessages.inc({ vendor }, 0)
    m.streamingErrors.inc({ vendor }, 0)
    m.framesSent.inc({ vendor }, 0)
    m.framesDropped.inc({ vendor }, 0)
    m.streamBackpressure.inc({ vendor }, 0)
    m.streamingDuration.zero({ vendor })
    m.bargeInLatency.zero({ vendor })
    m.slaViolations.inc({ vendor }, 0)
  }
  m.websocketConnections.set(0)
}

/**
 * Starts the per-engine series of every configured engine at 0 (synthesis by model, model
 * loads), so ratios and rates read 0 rather than "no data" before an engine's first use.
 *
 * @example
 * initialiseEngineSeries(metrics, ['espeak', 'kokoro'])
 */
export function initialiseEngineSeries(m: Metrics, engines: readonly string[]): void {
  for (const model_id of engines) {
    m.synthesisRequests.inc({ model_id }, 0)
    m.synthesisErrors.inc({ model_id }, 0)
    m.sessionsTotal.inc({ model_id }, 0)
    m.synthesisDuration.zero({ model_id })
    m.synthesisRtf.zero({ model_id })
    m.loudness.declareEngine(model_id)
  }
}
