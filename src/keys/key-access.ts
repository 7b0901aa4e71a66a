/**
 * Which voices a key may use: its `engines` (by the engine that serves the voice) and its
 * `voices` (id prefixes), both when given. A voice outside them is a 403 in the API's
 * shape, so a client learns it is its key, not the voice, that is wrong.
 */
import { ApiError } from '../errors.ts'
import type { ApiKey } from './keys-file.ts'

/**
 * The configured engine that serves a voice id: its `engine:` prefix when that names an
 * engine, else the default engine (which serves unprefixed ids).
 *
 * @example
 * voiceEngine('kokoro:af_bella', ['kokoro', 'local'], 'local') // 'kokoro'
 */
export function voiceEngine(voiceId: string, engines: readonly string[], defaultEngine: string): string {
  const colon = voiceId.indexOf(':')
  const prefix = colon > 0 ? voiceId.slice(0, colon) : ''
  return prefix && engines.includes(prefix) ? prefix : defaultEngine
}

/**
 * @example
 * voiceAllowed({ id: 'a', name: 'A', limits: {}, engines: ['local'] }, 'local:en-us-f1', 'local') // true
 */
export function voiceAllowed(key: ApiKey | undefined, voiceId: string, engine: string): boolean {
  if (!key) return true
  if (key.engines && !key.engines.includes(engine)) return false
  if (key.voices && !key.voices.some((prefix) => voiceId.startsWith(prefix))) return false
  return true
}

/**
 * Throws the 403 for a voice the key may not use.
 *
 * @example
 * assertVoiceAllowed(c.get('apiKey'), voice.id, engineOf(voice))
 */
export function assertVoiceAllowed(key: ApiKey | undefined, voiceId: string, engine: string): void {
  if (voiceAllowed(key, voiceId, engine)) return
  throw new ApiError({
    status: 403,
    kind: 'forbidden',
    code: 'voice_not_allowed',
    param: 'voice',
    message: `This API key may not use voice '${voiceId.slice(0, 100)}' (engine ${engine}).`,
  })
}
