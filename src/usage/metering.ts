/**
 * What admitting and counting a request needs, shared by HTTP routes (request-usage.ts)
 * and streaming sessions (session-usage.ts): the ledger, the budgets, which engine serves
 * a voice and what it charges, and the key's per-minute rate.
 *
 * Admission runs once a request is known to be valid, in this order: the key may use the
 * voice (403), it is within its characters per minute (429), and its budget has room
 * (reserved until the request ends). A rejected request costs the key nothing.
 */
import type { ApiKey } from '../keys/keys-file.ts'
import { assertVoiceAllowed } from '../keys/key-access.ts'
import type { Voice } from '../tts/engine.ts'
import type { Budgets, Reservation } from './budgets.ts'
import type { UsageLedger } from './usage-ledger.ts'

export interface Metering {
  ledger: UsageLedger
  budgets: Budgets
  /** The configured engine that serves a voice (before any fallback). */
  engineOf: (voice: Voice) => string
  /** USD per million characters the engine bills (0 when unpriced). */
  price: (engine: string) => number
  /** The key's characters-per-minute limit: throws its 429. */
  chargeRate?: (key: ApiKey, chars: number) => void
}

export interface Admitted {
  /** The engine that will be asked to speak. */
  engine: string
  reservation: Reservation | undefined
}

/**
 * Admits `chars` characters of `key` on `voice`; throws ApiError (403, 429) or
 * QuotaExceededError. A Promise only when the budget is held in Redis: every cache hit of a
 * key without a budget comes through here, so it stays synchronous.
 *
 * @example
 * const { engine, reservation } = await admit(metering, key, text.length, voice)
 */
export function admit(m: Metering, key: ApiKey | undefined, chars: number, voice: Voice): Admitted | Promise<Admitted> {
  const engine = m.engineOf(voice)
  if (!key) return { engine, reservation: undefined }
  assertVoiceAllowed(key, voice.id, engine)
  m.chargeRate?.(key, chars)
  if (!key.budget) return { engine, reservation: undefined }
  // The currency budget is held at the price of synthesising every character: a hit gives it back.
  const reserving = m.budgets.reserve(key, chars, (chars * m.price(engine)) / 1e6)
  return reserving instanceof Promise ? reserving.then((reservation) => ({ engine, reservation })) : { engine, reservation: reserving }
}
