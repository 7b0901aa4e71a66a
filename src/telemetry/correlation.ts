/**
 * Request correlation: every request gets an id the client can quote to on-call.
 * A client's own `X-Request-Id` is kept when it is well-formed (bounded, printable, no
 * separators that could forge log fields); otherwise we mint a UUID.
 */
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../app-env.ts'

const WELL_FORMED = /^[A-Za-z0-9._:@/+=-]{1,128}$/

/**
 * Returns the client's request id when safe to echo and log, else a new UUID.
 *
 * @example
 * requestIdFrom('abc-123') // 'abc-123'
 * requestIdFrom('bad id\n') // a fresh UUID
 */
export function requestIdFrom(header: string | undefined | null): string {
  return header && WELL_FORMED.test(header) ? header : crypto.randomUUID()
}

export interface CorrelationOptions {
  header?: string
}

/**
 * Sets `requestId` on the context and echoes it on the response.
 *
 * @example
 * app.use(correlation())
 */
export function correlation(options: CorrelationOptions = {}): MiddlewareHandler<AppEnv> {
  const header = options.header ?? 'x-request-id'
  return async function correlationMiddleware(c, next) {
    const requestId = requestIdFrom(c.req.header(header))
    c.set('requestId', requestId)
    await next()
    c.res.headers.set(header, requestId)
  }
}
