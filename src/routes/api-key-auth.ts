/**
 * API keys for routes that spend engine time. A key arrives as `Authorization: Bearer …`
 * (OpenAI) or `xi-api-key` (ElevenLabs) and is compared in constant time against every
 * configured key, so neither timing nor early exit reveals a prefix.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { ApiError } from '../errors.ts'

const digest = (value: string) => createHash('sha256').update(value).digest()

/**
 * True when `presented` equals one of `keys`. Hashing first makes the lengths equal,
 * which timingSafeEqual requires.
 *
 * @example
 * keyMatches('secret', [digest('secret')]) // true
 */
export function keyMatches(presented: string, keyDigests: readonly Buffer[]): boolean {
  const candidate = digest(presented)
  let match = false
  for (const key of keyDigests) match = timingSafeEqual(candidate, key) || match
  return match
}

/**
 * A check for presented keys: always true when no keys are configured (auth off).
 *
 * @example
 * const valid = apiKeyChecker(['k1']); valid('k1') // true
 */
export function apiKeyChecker(keys: readonly string[]): (presented: string | undefined) => boolean {
  const digests = keys.map(digest)
  return (presented) => digests.length === 0 || (presented !== undefined && keyMatches(presented, digests))
}

/**
 * A stable, non-reversible id for a key (never kept or logged in clear).
 *
 * @example
 * keyId('secret') // '2bb80d537b1da3e3'
 */
export function keyId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16)
}

/** The key a request presents, from either vendor's header. */
export function presentedKey(authorization: string | undefined, xiApiKey: string | undefined): string | undefined {
  if (xiApiKey) return xiApiKey
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)
  return bearer?.[1]?.trim()
}

export interface ApiKeyAuthOptions {
  /** Allowed keys; when empty, auth is off. */
  keys?: readonly string[]
}

/**
 * @example
 * app.use('/v1/audio/speech', apiKeyAuth({ keys: config.TTS_API_KEYS }))
 */
export function apiKeyAuth(options: ApiKeyAuthOptions = {}): MiddlewareHandler<AppEnv> {
  const keys = options.keys ?? []
  const valid = apiKeyChecker(keys)
  return async function apiKeyAuthMiddleware(c, next) {
    if (keys.length === 0) return next()
    const key = presentedKey(c.req.header('authorization'), c.req.header('xi-api-key'))
    if (!valid(key)) {
      throw new ApiError({
        status: 401,
        kind: 'unauthorized',
        code: 'invalid_api_key',
        message: key ? 'Incorrect API key provided.' : 'Missing API key: send Authorization: Bearer <key> or xi-api-key.',
      })
    }
    c.set('keyId', keyId(key as string))
    return next()
  }
}
