/**
 * Reads the ledger for a usage route; a shared ledger that cannot be reached is a 503 in
 * the route's shape (the replica still serves speech and counts into its outbox).
 */
import { ApiError } from '../errors.ts'
import type { Metering } from '../usage/metering.ts'
import type { UsageQuery } from '../usage/sqlite-usage.ts'
import type { UsageRow } from '../usage/usage-event.ts'
import { UsageUnavailableError } from '../usage/usage-ledger.ts'

/**
 * @example
 * const rows = await readUsage(metering, { from: '2025-06-01', to: '2025-06-30', keys: ['team-a'] })
 */
export async function readUsage(metering: Metering, query: UsageQuery): Promise<UsageRow[]> {
  try {
    return await metering.ledger.read(query)
  } catch (err) {
    if (!(err instanceof UsageUnavailableError)) throw err
    throw new ApiError({ status: 503, kind: 'unavailable', code: 'usage_unavailable', message: 'Usage cannot be read right now (the shared ledger is unreachable); retry shortly.', retryAfterSeconds: 5 })
  }
}
