/**
 * Fleet-wide single-flight (issue #12): syntheses per distinct text when three replicas
 * behind HAProxy take a burst of identical requests (30 texts x 8, 24 at once, the issue's
 * 240), with the Redis lease (default) and without it (TTS_FLEET_LEASE_MS=0: sharing only
 * through the cache, as before), side by side in one run. Syntheses are counted from the
 * replicas' own metrics (`speech_create_duration_seconds_count`). Target: at most 1.05.
 */
import { burst, type BurstReport } from '../scripts/fleet.ts'
import { startFleet } from '../test/support/fleet.ts'
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

export async function benchFleet(): Promise<string[]> {
  const without = await burstOnFleet({ TTS_FLEET_LEASE_MS: '0' })
  const withLease = await burstOnFleet({})
  const line = (label: string, r: BurstReport) =>
    `  ${label}: ${r.syntheses} syntheses for ${r.texts} texts = ${fmt(r.perText)} per text, ${r.errors.length} errors, queue depth peak ${r.queuePeak}`
  return [
    `fleet: 3 replicas behind haproxy, one redis-server, ${BURST.texts} texts x ${BURST.repeats}, ${BURST.concurrency} at once`,
    line('without the lease', without),
    line('with the lease   ', withLease),
    verdict('syntheses per distinct text across the fleet', withLease.perText <= TARGET && withLease.errors.length === 0, `${fmt(withLease.perText)} (target <= ${TARGET}; ${fmt(without.perText)} without the lease)`),
  ]
}
