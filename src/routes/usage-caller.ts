/**
 * Who asks for usage: the admin key (TTS_ADMIN_KEY, every key's usage), a key in force
 * (its own usage), or, with API keys off, anyone (the `anonymous` usage). Usage routes
 * resolve it themselves, since the admin key is not one of the keys in force.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { ApiError } from '../errors.ts'
import type { KeySource } from '../keys/key-ring.ts'
import type { ApiKey } from '../keys/keys-file.ts'
import { ANONYMOUS } from '../usage/usage-event.ts'
import { invalidKeyError, presentedKey } from './api-key-auth.ts'

export interface UsageCaller {
  admin: boolean
  /** The calling key; undefined for the admin key, and for everyone when keys are off. */
  key: ApiKey | undefined
  /** Whose usage the caller sees by default: its key id, `anonymous` with keys off. */
  keyId: string | undefined
}

export interface UsageAccess {
  keys?: KeySource
  /** TTS_ADMIN_KEY: the key itself or `sha256:<hex>` of it. */
  adminKey?: string
}

/** The admin key's digest, from either form TTS_ADMIN_KEY takes. */
export function adminDigest(adminKey: string): Buffer {
  const hashed = /^sha256:([0-9a-f]{64})$/.exec(adminKey)
  return hashed ? Buffer.from(hashed[1]!, 'hex') : createHash('sha256').update(adminKey).digest()
}

/**
 * @example
 * const caller = usageCaller(c, { keys, adminKey: config.TTS_ADMIN_KEY })
 * if (!caller.admin) onlyKeys = [caller.keyId]
 */
export function usageCaller(c: Context<AppEnv>, access: UsageAccess): UsageCaller {
  const presented = presentedKey(c.req.header('authorization'), c.req.header('xi-api-key'))
  if (presented && access.adminKey) {
    const digest = createHash('sha256').update(presented).digest()
    if (timingSafeEqual(digest, adminDigest(access.adminKey))) return { admin: true, key: undefined, keyId: undefined }
  }
  if (!access.keys) return { admin: false, key: undefined, keyId: ANONYMOUS }
  const key = access.keys.ring.find(presented)
  if (!key) throw invalidKeyError(presented)
  c.set('keyId', key.id)
  return { admin: false, key, keyId: key.id }
}

/**
 * The 401 for a route only the admin key may read.
 *
 * @example
 * if (!caller.admin) throw adminOnly(access)
 */
export function adminOnly(access: UsageAccess): ApiError {
  return new ApiError({
    status: 401,
    kind: 'unauthorized',
    code: 'invalid_api_key',
    message: access.adminKey
      ? 'This endpoint needs the admin key (TTS_ADMIN_KEY): send it as Authorization: Bearer <key>.'
      : 'Organization usage needs an admin key: set TTS_ADMIN_KEY on the server and send it as Authorization: Bearer <key>.',
  })
}
