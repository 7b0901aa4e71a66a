/**
 * Usage in metrics, counted per flushed batch rather than per request: a batch's rows are
 * already summed per key, engine and model, so the hit path pays nothing for metrics and
 * Prometheus sees the counts within one flush interval.
 */
import type { Metrics } from '../telemetry/metrics.ts'
import type { UsageBatch } from './usage-buffer.ts'

/**
 * @example
 * const ledger = new UsageLedger({ ..., onFlushed: (batch) => countUsage(metrics, batch) })
 */
export function countUsage(metrics: Metrics, batch: UsageBatch): void {
  for (const row of batch.rows) {
    const { key, engine } = row
    const saved = row.requested - row.billed
    if (row.billed > 0) metrics.usageCharacters.inc({ key, engine, billed: 'true' }, row.billed)
    if (saved > 0) {
      metrics.usageCharacters.inc({ key, engine, billed: 'false' }, saved)
      metrics.cacheSavedCharacters.inc({ engine }, saved)
    }
    if (row.cost > 0) metrics.usageCost.inc({ key, engine }, row.cost)
  }
}
