import { describe, expect, test } from 'bun:test'
import type { ApiKey } from '../keys/keys-file.ts'
import { LocalBudgets, QuotaExceededError } from './budgets.ts'
import { DayClock } from './usage-event.ts'

const key = (budget: ApiKey['budget']): ApiKey => ({ id: 'team-a', name: 'Team A', limits: {}, budget })

function budgets(spentBefore: Record<string, { chars: number; usd: number }> = {}) {
  let now = Date.UTC(2025, 5, 30, 23, 59)
  const loads: string[] = []
  const local = new LocalBudgets(
    (month) => {
      loads.push(month)
      return new Map(Object.entries(month === '2025-06' ? spentBefore : {}))
    },
    new DayClock(() => now),
  )
  return { local, loads, midnight: () => (now = Date.UTC(2025, 6, 1, 0, 1)) }
}

describe('LocalBudgets', () => {
  test('counts what the ledger had before the start, and refuses exactly what would pass the budget', () => {
    const { local } = budgets({ 'team-a': { chars: 90, usd: 0 } })
    const k = key({ characters: 100 })
    expect(() => local.reserve(k, 11, 0)).toThrow(QuotaExceededError)
    const r = local.reserve(k, 10, 0)
    expect(() => local.reserve(k, 1, 0)).toThrow('the request would pass the budget')
    local.settle(k.id, r, { chars: 10, usd: 0 })
    expect(local.spent(k.id)).toEqual({ chars: 100, usd: 0 })
  })

  test('a failed request gives its characters back; a hit gives back the cost it was held at', () => {
    const { local } = budgets()
    const k = key({ characters: 50, usd: 0.001 })
    const failed = local.reserve(k, 40, 0.0006)
    expect(() => local.reserve(k, 20, 0)).toThrow(QuotaExceededError)
    local.settle(k.id, failed, { chars: 0, usd: 0 })
    const hit = local.reserve(k, 40, 0.0006)
    local.settle(k.id, hit, { chars: 40, usd: 0 })
    expect(local.spent(k.id)).toEqual({ chars: 40, usd: 0 })
  })

  test("a new month starts from nothing; a request spanning midnight frees June's reservation and counts in July, as the ledger does", () => {
    const { local, loads, midnight } = budgets({ 'team-a': { chars: 95, usd: 0 } })
    const k = key({ characters: 100 })
    const late = local.reserve(k, 5, 0)
    midnight()
    expect(local.spent(k.id)).toEqual({ chars: 0, usd: 0 })
    local.settle(k.id, late, { chars: 5, usd: 0 })
    expect(() => local.reserve(k, 100, 0)).toThrow(QuotaExceededError)
    expect(local.reserve(k, 95, 0).month).toBe('2025-07')
    expect(loads).toEqual(['2025-06', '2025-07'])
  })

  test('usage of a key without a budget is followed too, so a budget given later by a reload holds at once', () => {
    const { local } = budgets()
    local.settle('team-a', undefined, { chars: 70, usd: 0 })
    expect(() => local.reserve(key({ characters: 100 }), 31, 0)).toThrow(QuotaExceededError)
  })
})
