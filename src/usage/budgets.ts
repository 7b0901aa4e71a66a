/**
 * Monthly budgets (calendar month, UTC): a request is admitted only if what it may spend
 * fits what is left, and what it may spend is reserved until it ends, so requests in
 * flight at once cannot pass a budget between them. The character budget counts
 * characters requested (cache hits included); the currency budget counts cost billed,
 * reserved at the price of synthesising the text and given back when a hit costs nothing.
 *
 * LocalBudgets holds the budgets of one node against its own ledger; redis-budgets.ts
 * holds them across replicas.
 */
import type { ApiKey } from '../keys/keys-file.ts'
import { DayClock } from './usage-event.ts'

/** What a request set aside, handed back (or made actual) by `settle`. */
export interface Reservation {
  key: string
  month: string
  chars: number
  usd: number
  /** Reserved in the shared counter (Redis), not only on this node. */
  shared: boolean
}

export interface Spend {
  chars: number
  usd: number
}

/** The request would take the key past one of its budgets. */
export class QuotaExceededError extends Error {
  override readonly name = 'QuotaExceededError'
  constructor(
    readonly budget: 'characters' | 'usd',
    readonly limit: number,
    readonly spent: number,
  ) {
    super(
      budget === 'characters'
        ? `This API key has used ${Math.round(spent)} of its ${limit} characters this month; the request would pass the budget.`
        : `This API key has spent $${spent.toFixed(4)} of its $${limit} this month; the request would pass the budget.`,
    )
  }
}

export interface Budgets {
  /** Sets `chars` and `usd` aside for `key`, or throws QuotaExceededError. */
  reserve(key: ApiKey, chars: number, usd: number): Reservation | Promise<Reservation>
  /** A request or utterance of `key` is over: `used` replaces what it reserved (none: it reserved nothing). */
  settle(key: string, reservation: Reservation | undefined, used: Spend): void
  /** What `key` has spent or set aside this month, as this node knows it. */
  spent(key: string): Spend
}

/** Throws when `pending` (spent and set aside) plus the request passes one of the key's budgets. */
export function checkBudget(key: ApiKey, pending: Spend, chars: number, usd: number): void {
  const budget = key.budget
  if (!budget) return
  if (budget.characters !== undefined && pending.chars + chars > budget.characters) {
    throw new QuotaExceededError('characters', budget.characters, pending.chars)
  }
  if (budget.usd !== undefined && pending.usd + usd > budget.usd + 1e-9) throw new QuotaExceededError('usd', budget.usd, pending.usd)
}

/**
 * One node's budgets: this month's spend per key, loaded once from the ledger and kept up
 * to date by every settled request, plus what requests in flight set aside.
 *
 * @example
 * const budgets = new LocalBudgets((month) => ledgerTotals(month))
 * const r = budgets.reserve(key, 120, 0.0018)
 * budgets.settle(key.id, r, { chars: 120, usd: 0 }) // a cache hit: its cost is given back
 */
export class LocalBudgets implements Budgets {
  readonly #months = new Map<string, Map<string, Spend>>()

  constructor(
    /** This month's totals per key from the ledger (what was flushed before this process started). */
    private readonly load: (month: string) => Map<string, Spend>,
    private readonly clock: DayClock = new DayClock(),
  ) {}

  reserve(key: ApiKey, chars: number, usd: number): Reservation {
    const month = this.clock.month()
    const spend = this.#spend(month, key.id)
    checkBudget(key, spend, chars, usd)
    spend.chars += chars
    spend.usd += usd
    return { key: key.id, month, chars, usd, shared: false }
  }

  settle(key: string, reservation: Reservation | undefined, used: Spend): void {
    if (reservation) {
      const held = this.#spend(reservation.month, key)
      held.chars -= reservation.chars
      held.usd -= reservation.usd
    }
    const spend = this.#spend(this.clock.month(), key)
    spend.chars += used.chars
    spend.usd += used.usd
  }

  spent(key: string): Spend {
    return { ...this.#spend(this.clock.month(), key) }
  }

  #spend(month: string, key: string): Spend {
    let keys = this.#months.get(month)
    if (!keys) {
      keys = this.load(month)
      this.#months.set(month, keys)
      // Last month is kept for requests that started before midnight; older ones go.
      for (const old of this.#months.keys()) if (old < month && this.#months.size > 2) this.#months.delete(old)
    }
    let spend = keys.get(key)
    if (!spend) keys.set(key, (spend = { chars: 0, usd: 0 }))
    return spend
  }
}
