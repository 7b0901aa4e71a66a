/**
 * What the usage ledger counts (docs/api.md, "Keys, usage and budgets"): one event per
 * request or utterance that delivered audio, summed per key id, engine, model and UTC day.
 */

/** The key id usage is recorded under when API keys are off. */
export const ANONYMOUS = 'anonymous'

/** One request or utterance that delivered audio. */
export interface UsageEvent {
  /** The configured key id (ANONYMOUS when keys are off): never the key. */
  key: string
  /** The configured engine that spoke (or, for a cache hit, that spoke when the audio was made). */
  engine: string
  model: string
  /** Characters the client asked to hear, cache hits included. */
  requested: number
  /** Characters an engine synthesised for this request (0 for a cache hit or a shared synthesis). */
  billed: number
  /** Seconds of audio delivered. */
  audioSeconds: number
}

/** Sums for one key, engine, model and UTC day. */
export interface UsageRow {
  /** `YYYY-MM-DD`, UTC. */
  day: string
  key: string
  engine: string
  model: string
  requested: number
  billed: number
  audioSeconds: number
  requests: number
  /** USD, from each engine's price_per_million_characters. */
  cost: number
}

/** The numeric fields of a row, in the order stores write them. */
export const COUNTS = ['requested', 'billed', 'audioSeconds', 'requests', 'cost'] as const
export type Count = (typeof COUNTS)[number]

const DAY_MS = 86_400_000

/**
 * `YYYY-MM-DD` of `ms` in UTC.
 *
 * @example
 * utcDay(0) // '1970-01-01'
 */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/** `YYYY-MM` of a day or a time. */
export function utcMonth(dayOrMs: string | number): string {
  return typeof dayOrMs === 'string' ? dayOrMs.slice(0, 7) : utcDay(dayOrMs).slice(0, 7)
}

/** The first instant of the next UTC month (ms): when a monthly budget starts again. */
export function nextMonthStart(ms: number): number {
  const d = new Date(ms)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
}

/** The first instant of `ms`'s UTC month. */
export function monthStart(ms: number): number {
  const d = new Date(ms)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
}

/** Every `YYYY-MM-DD` from `fromMs` to `toMs` (both included), in order. */
export function daysBetween(fromMs: number, toMs: number): string[] {
  const days: string[] = []
  for (let t = Math.floor(fromMs / DAY_MS) * DAY_MS; t <= toMs; t += DAY_MS) days.push(utcDay(t))
  return days
}

/**
 * Today's `YYYY-MM-DD`, recomputed only when midnight (UTC) passes: the hit path asks for
 * it on every request, and formatting a date each time would cost more than the rest.
 *
 * @example
 * const today = new DayClock(); today.day() // '2025-06-01'
 */
export class DayClock {
  #day = ''
  #month = ''
  #until = 0

  constructor(readonly now: () => number = Date.now) {}

  day(): string {
    const now = this.now()
    if (now >= this.#until) {
      this.#day = utcDay(now)
      this.#month = this.#day.slice(0, 7)
      this.#until = (Math.floor(now / DAY_MS) + 1) * DAY_MS
    }
    return this.#day
  }

  /** `YYYY-MM`, UTC, cached like the day. */
  month(): string {
    this.day()
    return this.#month
  }
}
