/**
 * Builds usage accounting for main.ts: the ledger (SQLite in TTS_DATA_DIR; with Redis, the
 * SQLite outbox in front of the shared ledger), the budgets that go with it, and the
 * Metering routes and sessions use.
 */
import type { Logger } from 'pino'
import { RedisConnection } from '../cache/redis-connection.ts'
import type { ApiKey } from '../keys/keys-file.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import type { Voice } from '../tts/engine.ts'
import { LocalBudgets, type Budgets } from './budgets.ts'
import type { Metering } from './metering.ts'
import { RedisBudgets } from './redis-budgets.ts'
import { RedisUsage } from './redis-usage.ts'
import { SqliteUsage } from './sqlite-usage.ts'
import { DayClock } from './usage-event.ts'
import { UsageLedger } from './usage-ledger.ts'
import { countUsage } from './usage-metrics.ts'

export interface OpenMeteringOptions {
  dataDir: string
  redisUrl?: string
  flushMs: number
  flushEvents: number
  retentionDays: number
  /** USD per million characters, by engine name (engines file). */
  prices: ReadonlyMap<string, number>
  engineOf: (voice: Voice) => string
  chargeRate?: (key: ApiKey, chars: number) => void
  metrics?: Metrics
  logger: Logger
}

export interface OpenedMetering {
  metering: Metering
  /** Each budgeted key's share of its budgets used (for `tts_key_budget_used_ratio`). */
  budgetRatios(keys: readonly ApiKey[]): Promise<{ key: string; budget: 'characters' | 'usd'; ratio: number }[]>
  /** Flushes what is left (Redis best effort) and closes the files. */
  close(): Promise<void>
}

/**
 * @example
 * const { metering, close } = openMetering({ dataDir: '.data', flushMs: 1000, flushEvents: 1000, retentionDays: 400, prices, engineOf, logger })
 */
export function openMetering(o: OpenMeteringOptions): OpenedMetering {
  const clock = new DayClock()
  const local = SqliteUsage.open(o.dataDir)
  const redis = o.redisUrl ? new RedisConnection({ url: o.redisUrl, timeoutMs: 1000 }) : undefined
  let redisBudgets: RedisBudgets | undefined
  let sharedDown = false
  const ledger = new UsageLedger({
    local,
    ...(redis && { shared: new RedisUsage(redis, { retentionDays: o.retentionDays }) }),
    price: (engine) => o.prices.get(engine) ?? 0,
    flushMs: o.flushMs,
    flushEvents: o.flushEvents,
    clock,
    ...(o.metrics && { onFlushed: (batch) => countUsage(o.metrics!, batch) }),
    onShared: (batch) => {
      redisBudgets?.applied(batch)
      if (sharedDown) o.logger.info({ outbox_events: local.outboxEvents() }, 'usage reaches Redis again: the outbox is draining')
      sharedDown = false
    },
    onSharedError: (err) => {
      // Once per outage: the outbox keeps every batch until Redis is back.
      if (!sharedDown) o.logger.warn({ err }, 'usage cannot reach Redis: batches wait in the local outbox')
      sharedDown = true
    },
  })
  const budgets: Budgets = redis
    ? (redisBudgets = new RedisBudgets({ redis, delta: (month, key, chars, usd) => ledger.budgetDelta(month, key, chars, usd), clock }))
    : new LocalBudgets((month) => local.monthSpend(month), clock)
  const metering: Metering = {
    ledger,
    budgets,
    engineOf: o.engineOf,
    price: (engine) => o.prices.get(engine) ?? 0,
    ...(o.chargeRate && { chargeRate: o.chargeRate }),
  }
  return {
    metering,
    async budgetRatios(keys) {
      const budgeted = keys.filter((k) => k.budget)
      await redisBudgets?.refresh(budgeted.map((k) => k.id)).catch(() => {})
      return budgeted.flatMap((k) => {
        const spent = budgets.spent(k.id)
        return [
          ...(k.budget?.characters ? [{ key: k.id, budget: 'characters' as const, ratio: spent.chars / k.budget.characters }] : []),
          ...(k.budget?.usd ? [{ key: k.id, budget: 'usd' as const, ratio: spent.usd / k.budget.usd }] : []),
        ]
      })
    },
    async close() {
      await ledger.close()
      redis?.close()
      local.close()
    },
  }
}
