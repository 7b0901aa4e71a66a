/**
 * A budget held by a fleet (issue #18): three real replicas behind a real HAProxy, sharing a
 * real redis-server, hammered at once with one key. Admission reserves in Redis atomically,
 * so the fleet does not pass the budget at all (bound 0, well inside the "one request per
 * replica" the issue allows), admits exactly as many requests as fit, and the shared ledger
 * records exactly what clients were served.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { budgetBurst } from '../scripts/fleet-budget.ts'
import { startFleet, type Fleet } from './support/fleet.ts'
import { keysFile, newKey } from './support/keys-file.ts'

const KEY = newKey('fleet')
const ADMIN = newKey('admin')
let fleet: Fleet
beforeAll(async () => {
  const file = keysFile([{ id: 'fleet', key: KEY, budget: { characters_per_month: 1000 } }])
  fleet = await startFleet({ replicas: 3, env: { TTS_KEYS_FILE: file.path, TTS_ADMIN_KEY: ADMIN, TTS_USAGE_FLUSH_MS: '200' } })
}, 90_000)
afterAll(async () => {
  await fleet?.stop()
})

test('three replicas hammering one key: the budget holds exactly, and the ledger agrees', async () => {
  const report = await budgetBurst(fleet, { key: KEY, keyId: 'fleet', admin: ADMIN, run: crypto.randomUUID().slice(0, 6), budget: 1000, length: 40, requests: 60, concurrency: 12 })
  console.log(`budget ${report.budget}: ${report.admitted} admitted x ${report.length} chars, ${report.refused} refused, overshoot ${report.overshoot} chars, ledger ${report.recorded}`)
  expect(report.errors).toEqual([])
  expect(report.overshoot).toBe(0)
  // 1000 / 40: exactly 25 fit; every other request was refused in OpenAI's words.
  expect(report.admitted).toBe(25)
  expect(report.refused).toBe(35)
  expect(report.recorded).toBe(report.admitted * report.length)
}, 120_000)
