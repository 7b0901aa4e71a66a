/**
 * Usage not yet flushed: events summed in memory per key, engine, model and day, taken
 * out whole as one batch with a fresh id. Adding is a map probe and five additions, cheap
 * enough for every cache hit; the batch id is what makes applying a batch idempotent
 * (redis-usage.ts), so a batch retried after a crash or an outage is never counted twice.
 *
 * With Redis, a batch also carries each key's budget deltas (redis-budgets.ts): what its
 * events spent beyond (or short of) what they had reserved in the shared budget counter.
 */
import type { UsageEvent, UsageRow } from './usage-event.ts'

/** A change to a key's shared budget counter for one month, applied with the batch that carries it. */
export interface BudgetDelta {
  month: string
  key: string
  chars: number
  usd: number
}

export interface UsageBatch {
  id: string
  rows: UsageRow[]
  budget: BudgetDelta[]
  /** Events summed into the rows. */
  events: number
}

/**
 * @example
 * const buffer = new UsageBuffer()
 * buffer.add('2025-06-01', event, 0.0015)
 * const batch = buffer.take() // { id, rows: [...], events: 1 }
 */
export class UsageBuffer {
  #rows = new Map<string, UsageRow>()
  #budget = new Map<string, BudgetDelta>()
  #events = 0
  #last: UsageRow | undefined

  /** Events added since the last take. */
  get size(): number {
    return this.#events
  }

  add(day: string, event: UsageEvent, cost: number): void {
    // Most events add to the same row as the one before (one key, engine and model under load):
    // comparing four short strings is cheaper than building the row's id and probing for it.
    let row = this.#last
    if (!row || row.day !== day || row.key !== event.key || row.engine !== event.engine || row.model !== event.model) {
      const id = `${day}\t${event.key}\t${event.engine}\t${event.model}`
      row = this.#rows.get(id)
      if (!row) {
        row = { day, key: event.key, engine: event.engine, model: event.model, requested: 0, billed: 0, audioSeconds: 0, requests: 0, cost: 0 }
        this.#rows.set(id, row)
      }
      this.#last = row
    }
    row.requested += event.requested
    row.billed += event.billed
    row.audioSeconds += event.audioSeconds
    row.requests += 1
    row.cost += cost
    this.#events++
  }

  /** Adds to a key's shared budget counter with the next batch (no event of its own). */
  budgetDelta(month: string, key: string, chars: number, usd: number): void {
    const id = `${month}\t${key}`
    const sum = this.#budget.get(id)
    if (sum) {
      sum.chars += chars
      sum.usd += usd
    } else {
      this.#budget.set(id, { month, key, chars, usd })
    }
  }

  /** Everything added so far as one batch, or undefined when there is nothing. */
  take(): UsageBatch | undefined {
    if (this.#events === 0 && this.#budget.size === 0) return undefined
    const batch = { id: crypto.randomUUID(), rows: [...this.#rows.values()], budget: [...this.#budget.values()], events: this.#events }
    this.#rows = new Map()
    this.#last = undefined
    this.#budget = new Map()
    this.#events = 0
    return batch
  }
}
