/**
 * API keys for routes that spend engine time. A key arrives as `Authorization: Bearer …`
 * (OpenAI) or `xi-api-key` (ElevenLabs) and is looked up in the keys in force (keys file
 * and TTS_API_KEYS, src/keys/key-ring.ts), which a reload may swap at any time: each
 * request keeps the key it was admitted with.
 */
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { ApiError } from '../errors.ts'
import type { KeySource } from '../keys/key-ring.ts'

export { keyId } from '../keys/key-ring.ts'

/** The key a request presents, from either vendor's header. */
export function presentedKey(authorization: string | undefined, xiApiKey: string | undefined): string | undefined {
  if (xiApiKey) return xiApiKey
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)
  return bearer?.[1]?.trim()
}

/** The 401 for a missing or unknown key. */
export function invalidKeyError(presented: string | undefined): ApiError {
  return new ApiError({
    status: 401,
    kind: 'unauthorized',
    code: 'invalid_api_key',
    message: presented ? 'Incorrect API key provided.' : 'Missing API key: send Authorization: Bearer <key> or xi-api-key.',
  })
}

/**
 * Admits requests that present a key in force, and puts the key (`apiKey`) and its id
 * (`keyId`, the label for logs, metrics, usage and ownership) on the context.
 *
 * @example
 * app.use('/v1/audio/speech', apiKeyAuth(source))
 */
export function apiKeyAuth(source: KeySource): MiddlewareHandler<AppEnv> {
  return async function apiKeyAuthMiddleware(c, next) {
    const presented = presentedKey(c.req.header('authorization'), c.req.header('xi-api-key'))
    const key = source.ring.find(presented)
    if (!key) throw invalidKeyError(presented)
    c.set('apiKey', key)
    c.set('keyId', key.id)
    // The id, never the key: a label safe for spans and logs.
    c.get('span')?.setAttribute('tts.key.id', key.id)
    const fields = c.get('logFields')
    if (fields) fields.key_id = key.id
    return next()
  }
}

/**
 * On public routes (the voice list): a key in force, when one is presented, is put on the
 * context so the route can answer for that key; no key, or one not in force, is no error
 * (the catalogue is public), and the route answers as it does without keys.
 *
 * @example
 * app.use('/v1/voices', identifyKey(source))
 */
export function identifyKey(source: KeySource): MiddlewareHandler<AppEnv> {
  return function identifyKeyMiddleware(c, next) {
    const key = source.ring.find(presentedKey(c.req.header('authorization'), c.req.header('xi-api-key')))
    if (key) {
      c.set('apiKey', key)
      c.set('keyId', key.id)
      const fields = c.get('logFields')
      if (fields) fields.key_id = key.id
    }
    return next()
  }
}
