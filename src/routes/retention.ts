/**
 * No retention on request (docs/api.md "Voice parameters"): ElevenLabs' `enable_logging=false`
 * (HTTP or WebSocket query) and `Cache-Control: no-store` on any HTTP request ask that
 * nothing of the request persist. Such a request's audio stays out of every cache tier, its
 * text (and even the text's hash) out of the logs whatever TTS_LOG_TEXT says, and an
 * ElevenLabs upstream is asked the same with `enable_logging=false`.
 *
 * `TTS_CACHE_SKIP_PATTERN` does the same server-wide for texts that match it (phone and card
 * numbers), except asking the upstream: zero retention is a vendor's paid feature that a
 * client opts into, not something the gateway may switch on behind its back.
 */
import type { Retention } from '../tts/speech-service.ts'
import { describeText } from './describe-text.ts'

/**
 * What the client asked for: `none` when it said not to keep anything.
 *
 * @example
 * requestedRetention('false', 'no-cache') // 'none'
 * requestedRetention(undefined, 'max-age=0, No-Store') // 'none'
 * requestedRetention('true', undefined) // undefined
 */
export function requestedRetention(enableLogging: string | undefined, cacheControl: string | undefined): Retention {
  if (enableLogging === 'false') return 'none'
  if (cacheControl && cacheControl.split(',').some((d) => d.trim().toLowerCase() === 'no-store')) return 'none'
  return undefined
}

/**
 * The request's retention once the server's skip pattern has seen its text.
 *
 * @example
 * retentionOf('Call 0171 555 0100.', undefined, /\d{4,}/) // 'uncached'
 */
export function retentionOf(text: string, requested: Retention, skipPattern: RegExp | undefined): Retention {
  if (requested) return requested
  return skipPattern?.test(text) ? 'uncached' : undefined
}

/**
 * The log fields describing a request's text: nothing that could identify a text that must
 * not be kept (no words, no hash), and `retention: none` said on the line.
 *
 * @example
 * textLogFields('Call 555 0100.', { logText: true, retention: 'none' }) // { text_chars: 14, text_words: 3, retention: 'none', retention_by: 'client' }
 */
export function textLogFields(text: string, options: { logText: boolean; retention: Retention }): Record<string, string | number> {
  if (!options.retention) return describeText(text, options.logText)
  const { text_chars, text_words } = describeText(text, false)
  return { text_chars: text_chars!, text_words: text_words!, retention: 'none', retention_by: options.retention === 'none' ? 'client' : 'skip_pattern' }
}
