/**
 * A key past its budget, in each API's own words: ElevenLabs answers 401
 * `{"detail":{"status":"quota_exceeded",...}}`, OpenAI 429 `insufficient_quota` (with
 * `x-should-retry: false`, which stops the official SDK from retrying what only next
 * month or a bigger budget can fix); sockets close 1008 with the same message.
 */
import { ApiError, type ApiStyle } from '../errors.ts'
import type { QuotaExceededError } from './budgets.ts'

/**
 * @example
 * throw quotaApiError(err, c.get('apiStyle'))
 */
export function quotaApiError(err: QuotaExceededError, style: ApiStyle): ApiError {
  return style === 'elevenlabs'
    ? new ApiError({ status: 401, kind: 'quota_exceeded', code: 'quota_exceeded', message: err.message })
    : new ApiError({
        status: 429,
        kind: 'quota_exceeded',
        code: 'insufficient_quota',
        openaiType: 'insufficient_quota',
        message: `You exceeded your current quota: ${err.message}`,
        headers: { 'x-should-retry': 'false' },
      })
}
