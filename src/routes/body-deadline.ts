/**
 * A deadline for receiving the request body: a client that trickles its body a byte at a
 * time would otherwise hold a connection (and a parser) for as long as it likes. The body
 * is read here, under the deadline; handlers then get Hono's cached copy.
 */
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { ApiError } from '../errors.ts'

export interface BodyDeadlineOptions {
  timeoutMs?: number
}

/**
 * @example
 * app.use('/v1/*', bodyDeadline({ timeoutMs: 10_000 }))
 */
export function bodyDeadline(options: BodyDeadlineOptions = {}): MiddlewareHandler<AppEnv> {
  const timeoutMs = options.timeoutMs ?? 10_000
  return async function bodyDeadlineMiddleware(c, next) {
    if (!c.req.raw.body) return next()
    let timer: ReturnType<typeof setTimeout> | undefined
    const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), timeoutMs)))
    const read = c.req.text()
    try {
      const outcome = await Promise.race([read, expired])
      if (outcome === 'expired') {
        read.catch(() => {}) // the connection is closed below; its read will fail
        throw new ApiError({
          status: 408,
          kind: 'timeout',
          code: 'request_timeout',
          message: `The request body did not arrive within ${timeoutMs} ms.`,
          headers: { connection: 'close' },
        })
      }
    } finally {
      clearTimeout(timer)
    }
    return next()
  }
}
