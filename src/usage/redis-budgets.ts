/**
 * Budgets across replicas: each key has a budget counter per month in Redis
 * (`<key>|budget_chars`, `<key>|budget_usd` in tts:usage:month:<YYYY-MM>) holding what it
 * spent plus what its requests in flight set aside.
 *
 * - Admission (keys with a budget) is one script: check the counter plus this replica's
 *   deltas not yet applied, then add the reservation, atomically. Two replicas can never
 *   both take the last characters: with Redis up, the fleet does not pass a budget at all.
 * - Every request's end adds (used - reserved) to the counter through the ledger's next
 *   batch, applied once with its usage (redis-usage.ts), so the counter follows the ledger.
 * - A replica killed mid-request leaves its reservations in the counter: a budget can only
 *   be held too tightly, by the characters that replica had in flight, never passed.
 * - Redis down: the replica admits against the last counter it saw plus everything it
 *   spent or set aside since, and its usage reaches the counter when the outbox drains. The
 *   other replicas' spending meanwhile is unknown to it: during an outage the fleet can pass
 *   a budget by what the other replicas admit before Redis is back.
 */
import type { RedisConnection } from '../cache/redis-connection.ts'
import type { ApiKey } from '../keys/keys-file.ts'
import { checkBudget, QuotaExceededError, type Budgets, type Reservation, type Spend } from './budgets.ts'
import type { UsageBatch } from './usage-buffer.ts'
import { DayClock } from './usage-event.ts'
import { entries, monthHash } from './redis-usage.ts'

// KEYS[1]: the month hash. ARGV: key, chars, usd, char budget (-1: none), usd budget (-1: none), this replica's pending chars, usd.
// Returns {ok (1|0), counter chars, counter usd} as strings (Lua numbers would be truncated to integers).
const RESERVE = `
local chars = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. '|budget_chars') or '0')
local usd = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. '|budget_usd') or '0')
local c, u = tonumber(ARGV[2]), tonumber(ARGV[3])
local cb, ub = tonumber(ARGV[4]), tonumber(ARGV[5])
local pc, pu = tonumber(ARGV[6]), tonumber(ARGV[7])
if (cb >= 0 and chars + pc + c > cb) or (ub >= 0 and usd + pu + u > ub + 1e-9) then
  return {'0', tostring(chars), tostring(usd)}
end
redis.call('HINCRBYFLOAT', KEYS[1], ARGV[1] .. '|budget_chars', ARGV[2])
redis.call('HINCRBYFLOAT', KEYS[1], ARGV[1] .. '|budget_usd', ARGV[3])
return {'1', tostring(chars + c), tostring(usd + u)}`

export interface RedisBudgetsOptions {
  redis: RedisConnection
  /** Adds a budget delta to the ledger's next batch. */
  delta: (month: string, key: string, chars: number, usd: number) => void
  onError?: (err: unknown) => void
  clock?: DayClock
}

/**
 * @example
 * const budgets = new RedisBudgets({ redis, delta: (m, k, c, u) => ledger.budgetDelta(m, k, c, u) })
 * const r = await budgets.reserve(key, 120, 0.0018)
 * budgets.settle(key.id, r, { chars: 120, usd: 0 })
 */
export class RedisBudgets implements Budgets {
  readonly #o: RedisBudgetsOptions
  readonly #clock: DayClock
  /** The counter as Redis last answered it, per month and key. */
  readonly #seen = new Map<string, Spend>()
  /** Deltas handed to the ledger but not yet applied in Redis, per month and key (by batch id until applied). */
  readonly #unapplied = new Map<string, Spend>()
  /** What requests admitted without Redis set aside, per month and key. */
  readonly #local = new Map<string, Spend>()

  constructor(options: RedisBudgetsOptions) {
    this.#o = options
    this.#clock = options.clock ?? new DayClock()
  }

  async reserve(key: ApiKey, chars: number, usd: number): Promise<Reservation> {
    const month = this.#clock.month()
    const id = `${month}|${key.id}`
    const pending = this.#unapplied.get(id) ?? { chars: 0, usd: 0 }
    let reply: unknown
    try {
      reply = await this.#o.redis.call('reserve budget', (c) =>
        c.send('EVAL', [RESERVE, '1', monthHash(month), key.id, String(chars), String(usd), String(key.budget?.characters ?? -1), String(key.budget?.usd ?? -1), String(pending.chars), String(pending.usd)]),
      )
    } catch (err) {
      this.#o.onError?.(err)
      return this.#reserveLocally(key, month, chars, usd)
    }
    const [ok, counterChars, counterUsd] = (reply as string[]).map(Number) as [number, number, number]
    this.#seen.set(id, { chars: counterChars, usd: counterUsd })
    if (!ok) {
      const overChars = key.budget?.characters !== undefined && counterChars + pending.chars + chars > key.budget.characters
      throw overChars
        ? new QuotaExceededError('characters', key.budget!.characters!, counterChars + pending.chars)
        : new QuotaExceededError('usd', key.budget!.usd!, counterUsd + pending.usd)
    }
    return { key: key.id, month, chars, usd, shared: true }
  }

  settle(key: string, reservation: Reservation | undefined, used: Spend): void {
    const month = reservation?.month ?? this.#clock.month()
    if (reservation && !reservation.shared) add(this.#local, `${month}|${key}`, -reservation.chars, -reservation.usd)
    const chars = used.chars - (reservation?.shared ? reservation.chars : 0)
    const usd = used.usd - (reservation?.shared ? reservation.usd : 0)
    if (chars === 0 && usd === 0) return
    add(this.#unapplied, `${month}|${key}`, chars, usd)
    this.#o.delta(month, key, chars, usd)
  }

  /** The ledger applied `batch` in Redis: its deltas moved from pending into the counter. */
  applied(batch: UsageBatch): void {
    for (const d of batch.budget) {
      add(this.#unapplied, `${d.month}|${d.key}`, -d.chars, -d.usd)
      const seen = this.#seen.get(`${d.month}|${d.key}`)
      if (seen) {
        seen.chars += d.chars
        seen.usd += d.usd
      }
    }
  }

  spent(key: string): Spend {
    const id = `${this.#clock.month()}|${key}`
    const seen = this.#seen.get(id) ?? { chars: 0, usd: 0 }
    const pending = this.#unapplied.get(id) ?? { chars: 0, usd: 0 }
    const local = this.#local.get(id) ?? { chars: 0, usd: 0 }
    return { chars: seen.chars + pending.chars + local.chars, usd: seen.usd + pending.usd + local.usd }
  }

  /** Reads the counters of `keys` for this month (for the keys-near-budget gauge). */
  async refresh(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return
    const month = this.#clock.month()
    const reply = await this.#o.redis.call('HGETALL', (c) => c.send('HGETALL', [monthHash(month)]))
    const counters = new Map(entries(reply))
    for (const key of keys) {
      this.#seen.set(`${month}|${key}`, { chars: Number(counters.get(`${key}|budget_chars`) ?? 0), usd: Number(counters.get(`${key}|budget_usd`) ?? 0) })
    }
  }

  #reserveLocally(key: ApiKey, month: string, chars: number, usd: number): Reservation {
    const id = `${month}|${key.id}`
    checkBudget(key, this.spent(key.id), chars, usd)
    add(this.#local, id, chars, usd)
    return { key: key.id, month, chars, usd, shared: false }
  }
}

function add(map: Map<string, Spend>, id: string, chars: number, usd: number): void {
  const spend = map.get(id)
  if (spend) {
    spend.chars += chars
    spend.usd += usd
    if (Math.abs(spend.chars) < 1e-9 && Math.abs(spend.usd) < 1e-12) map.delete(id)
  } else {
    map.set(id, { chars, usd })
  }
}
