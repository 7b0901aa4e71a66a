/**
 * Per-request state shared by middleware and handlers through Hono's context.
 */
import type { Span } from '@opentelemetry/api'
import type { Context } from 'hono'
import type { ApiStyle } from './errors.ts'
import type { ApiKey } from './keys/keys-file.ts'
import type { RequestLog } from './telemetry/request-log.ts'
import type { RequestUsage } from './usage/request-usage.ts'

export interface AppEnv {
  Variables: {
    /** Correlation id: the client's well-formed X-Request-Id, or one we generated. */
    requestId: string
    /** The request's SERVER span (non-recording when tracing is off). */
    span: Span
    /** The request's logger: lines carry request_id (a child of the root logger, made on first use). */
    log: RequestLog
    /** Fields the handler adds to the request's summary log line (never raw text). */
    logFields: Record<string, unknown>
    /** Which vendor's error shape this route answers with. */
    apiStyle: ApiStyle
    /** Set by handlers that stream a body: telemetry completes when it settles. */
    bodyDone: Promise<void> | undefined
    /** The error onError rendered, so telemetry can record it on the span. */
    error: unknown
    /**
     * The calling key's id (a label safe for logs, metrics and ownership, never the key itself);
     * undefined when API keys are off. Set by apiKeyAuth.
     */
    keyId: string | undefined
    /** The calling key (id, limits, budget, allowed engines); undefined when API keys are off. Set by apiKeyAuth. */
    apiKey: ApiKey | undefined
    /**
     * The request's usage (usage/request-usage.ts): routes `admit` a valid request (voice
     * allowed, rate, budget) and audioResponse reports how it was `served`. Unset when
     * usage is not metered (tests that build the app without it).
     */
    usage: RequestUsage | undefined
  }
}

/**
 * Runs `fn` once the response is over: at once for an ordinary body, or when a streamed
 * body (`bodyDone`) has been sent or abandoned. For middleware that hold something (a slot,
 * a count, a span) until the last byte has left.
 *
 * @example
 * try {
 *   await next()
 * } finally {
 *   afterBody(c, release)
 * }
 */
export function afterBody(c: Context<AppEnv>, fn: () => void): void {
  const body = c.get('bodyDone')
  if (body) body.then(fn, fn)
  else fn()
}
