/**
 * Fleet-wide single-flight (issue #12): syntheses per distinct text when three replicas
 * behind HAProxy take a burst of identical requests (30 texts x 8, 24 at once, the issue's
 * 240), with the Redis lease (default) and without it (TTS_FLEET_LEASE_MS=0: sharing only
 * through the cache, as before), side by side in one run. Syntheses are counted from the
 * replicas' own metrics (`speech_create_duration_seconds_count`). Target: at most 1.05.
 */
import { budgetBurst, type BudgetBurstReport } from '../scripts/fleet-budget.ts'
import { burst, type BurstReport } from '../scripts/fleet.ts'
import { startFleet } from '../test/support/fleet.ts'
import { keysFile, newKey } from '../test/support/keys-file.ts'
import { fmt, verdict } from './stats.ts'

const BURST = { texts: 30, repeats: 8, concurrency: 24 }
const TARGET = 1.05

async function burstOnFleet(env: Record<string, string>): Promise<BurstReport> {
  const fleet = await startFleet({ replicas: 3, env })
  try {
    return await burst(fleet, { run: crypto.randomUUID().slice(0, 8), ...BURST })
  } finally {
    await fleet.stop()
  }
}

const BUDGET = { budget: 4000, length: 50, requests: 240, concurrency: 24 }

/** One key with a character budget, hammered through the fleet: how far past the budget it gets. */
async function budgetOnFleet(): Promise<BudgetBurstReport> {
  const [key, admin] = [newKey('bench'), newKey('admin')]
  const file = keysFile([{ id: 'bench', key, budget: { characters_per_month: BUDGET.budget } }])
  const fleet = await startFleet({ replicas: 3, env: { TTS_KEYS_FILE: file.path, TTS_ADMIN_KEY: admin, TTS_USAGE_FLUSH_MS: '200' } })
  try {
    return await budgetBurst(fleet, { key, keyId: 'bench', admin, run: crypto.randomUUID().slice(0, 6), ...BUDGET })
  } finally {
    await fleet.stop()
  }
}

export async function benchFleet(): Promise<string[]> {
  const without = await burstOnFleet({ TTS_FLEET_LEASE_MS: '0' })
  const withLease = await burstOnFleet({})
  const budget = await budgetOnFleet()
  const line = (label: string, r: BurstReport) =>
    `  ${label}: ${r.syntheses} syntheses for ${r.texts} texts = ${fmt(r.perText)} per text, ${r.errors.length} errors, queue depth peak ${r.queuePeak}`
  return [
    `fleet: 3 replicas behind haproxy, one redis-server, ${BURST.texts} texts x ${BURST.repeats}, ${BURST.concurrency} at once`,
    line('without the lease', without),
    line('with the lease   ', withLease),
    verdict('syntheses per distinct text across the fleet', withLease.perText <= TARGET && withLease.errors.length === 0, `${fmt(withLease.perText)} (target <= ${TARGET}; ${fmt(without.perText)} without the lease)`),
    `budget: one key, ${budget.budget} characters a month, ${budget.requests} requests of ${budget.length} at ${BUDGET.concurrency} at once through the 3 replicas:`,
    `  ${budget.admitted} admitted, ${budget.refused} refused (insufficient_quota), ${budget.errors.length} errors; ledger ${budget.recorded} characters`,
    verdict(
      'budget overshoot with three replicas <= one request per replica',
      budget.overshoot <= 3 * budget.length && budget.errors.length === 0,
      `${budget.overshoot} characters (${fmt(budget.overshoot / budget.length, 1)} requests) past the budget; stated bound while Redis is up: 0`,
    ),
  ]
}
