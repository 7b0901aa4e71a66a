/**
 * The router's verdict when every engine it tried failed before any audio was sent.
 */
import { EngineUnavailableError } from '../../engine.ts'

/**
 * Every candidate engine failed before any audio was sent: 503 with Retry-After (HTTP) or
 * close 1013 (WebSocket), with a message naming each engine and why (never a detail or key).
 *
 * @example
 * throw new UpstreamsDownError([new UpstreamError('kokoro', 'connect', 'refused')])
 */
export class UpstreamsDownError extends EngineUnavailableError {
  override readonly name = 'UpstreamsDownError'
  override readonly everyEngineDown = true
  constructor(readonly failures: readonly Error[]) {
    const summary = failures.map((f) => (f instanceof EngineUnavailableError ? f.brief : f.name)).join(', ')
    const waits = failures.map((f) => (f instanceof EngineUnavailableError ? f.retryAfterSeconds : 1))
    super(`No speech engine could serve this request: ${summary}. Retry shortly.`, Math.max(1, Math.min(...waits)))
  }
}
