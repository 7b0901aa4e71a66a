/**
 * A budget under fire across a fleet: replicas sharing one redis-server behind HAProxy, every
 * client using one key whose character budget is a little over `admittable` requests' worth.
 * Measures how far the fleet passes the budget: the characters of the requests answered 200
 * beyond it (the bound stated in docs/operations.md: none while Redis is up), and checks the
 * shared ledger agrees with what clients were served.
 *
 * Used by test/usage-fleet.test.ts and `bun run bench fleet`.
 */
import type { Fleet } from '../test/support/fleet.ts'
import { waitUntil } from '../test/support/wait.ts'

export interface BudgetBurstReport {
  budget: number
  /** Characters of every request (all the same length). */
  length: number
  requests: number
  admitted: number
  refused: number
  /** Neither 200 nor the quota answer (a failure of the fleet, not of the budget). */
  errors: string[]
  /** Characters of the admitted requests beyond the budget (0: the budget held). */
  overshoot: number
  /** Characters requested by the key as the shared ledger recorded them. */
  recorded: number
}

/** A text of exactly `length` characters, distinct per `n`, so some requests hit the cache and some miss. */
function text(run: string, n: number, length: number): string {
  const head = `Budget ${run} request ${n % 7}.`
  return `${head}${' spoken'.repeat(length)}`.slice(0, length - 1).trimEnd().padEnd(length - 1, 'o') + '.'
}

/**
 * @example
 * const report = await budgetBurst(fleet, { key, admin, run: 'r1', budget: 1000, length: 40, requests: 60, concurrency: 12 })
 */
export async function budgetBurst(
  fleet: Fleet,
  o: { key: string; keyId: string; admin: string; run: string; budget: number; length: number; requests: number; concurrency: number },
): Promise<BudgetBurstReport> {
  let next = 0
  let admitted = 0
  let refused = 0
  const errors: string[] = []
  const client = async () => {
    for (let n = next++; n < o.requests; n = next++) {
      const res = await fetch(`${fleet.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { authorization: `Bearer ${o.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: text(o.run, n, o.length), response_format: 'pcm' }),
      }).catch((err: Error) => err)
      if (res instanceof Error) {
        errors.push(res.message)
        continue
      }
      const body = await res.arrayBuffer()
      if (res.status === 200) admitted++
      else if (res.status === 429 && new TextDecoder().decode(body).includes('insufficient_quota')) refused++
      else errors.push(`${res.status} ${new TextDecoder().decode(body).slice(0, 200)}`)
    }
  }
  await Promise.all(Array.from({ length: o.concurrency }, client))
  const served = admitted * o.length
  // The ledger catches up within a flush interval of each replica: wait for what was served.
  let recorded = 0
  const day = Math.floor(Date.now() / 86_400_000) * 86_400
  await waitUntil(
    async () => {
      const res = await fetch(`${fleet.url}/v1/organization/usage/audio_speeches?start_time=${day}&group_by=api_key_id&api_key_ids=${o.keyId}`, {
        headers: { authorization: `Bearer ${o.admin}` },
      })
      if (res.status !== 200) return false
      const page = (await res.json()) as { data: { results: { characters: number }[] }[] }
      recorded = page.data.flatMap((b) => b.results).reduce((n, r) => n + r.characters, 0)
      return recorded >= served
    },
    30_000,
    'the shared ledger to record what was served',
  ).catch(() => {})
  return { budget: o.budget, length: o.length, requests: o.requests, admitted, refused, errors, overshoot: Math.max(0, served - o.budget), recorded }
}
