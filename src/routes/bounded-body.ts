/**
 * The request body, read once and bounded in size and in time, before any handler runs;
 * handlers then get Hono's cached copy.
 *
 * - Size: a declared Content-Length over the limit is refused with 413 before a byte is
 *   read; a body without one (chunked) is counted as it arrives and cut off at the limit
 *   (Hono's bodyLimit).
 * - Time: a client that trickles its body a byte at a time would otherwise hold a
 *   connection (and a parser) for as long as it likes: 408 once the deadline passes.
 *
 * One middleware rather than two: on the cache-hit path each middleware is a dispatch, and
 * asking a Bun request for its `body` stream (as bodyLimit does first) costs more than
 * reading the header that makes the question unnecessary.
 */
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { AppEnv } from '../app-env.ts'
import { ApiError } from '../errors.ts'

export interface BoundedBodyOptions {
  /** Largest body accepted, bytes. */
  maxBytes: number
  /** The whole body must have arrived within this long, ms. Default 10 s. */
  timeoutMs?: number
}

/**
 * @example
 * app.use('/v1/*', boundedBody({ maxBytes: 65_536, timeoutMs: 10_000 }))
 */
export function boundedBody(options: BoundedBodyOptions): MiddlewareHandler<AppEnv> {
  const { maxBytes } = options
  const timeoutMs = options.timeoutMs ?? 10_000
  const tooLarge = (): never => {
    throw new ApiError({
      status: 413,
      kind: 'payload_too_large',
      code: 'request_too_large',
      message: `Request body exceeds ${maxBytes} bytes.`,
    })
  }
  const counted = bodyLimit({ maxSize: maxBytes, onError: tooLarge })

  return async function boundedBodyMiddleware(c, next) {
    const headers = c.req.raw.headers
    const declared = headers.get('content-length')
    let read: Promise<unknown>
    if (declared !== null && !headers.has('transfer-encoding')) {
      if (Number(declared) > maxBytes) tooLarge()
      read = c.req.text()
    } else if (c.req.raw.body) {
      read = counted(c, async () => {
        await c.req.text()
      })
    } else {
      return next()
    }
    await within(read, timeoutMs)
    return next()
  }
}

async function within(read: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), timeoutMs)))
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
}
