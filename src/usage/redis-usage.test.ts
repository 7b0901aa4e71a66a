import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RedisServer, startRedisServer } from '../../test/support/redis-server.ts'
import { RedisConnection } from '../cache/redis-connection.ts'
import type { ApiKey } from '../keys/keys-file.ts'
import { QuotaExceededError } from './budgets.ts'
import { RedisBudgets } from './redis-budgets.ts'
import { RedisUsage } from './redis-usage.ts'
import { SqliteUsage } from './sqlite-usage.ts'
import { DayClock, type UsageEvent } from './usage-event.ts'
import { UsageLedger, UsageUnavailableError } from './usage-ledger.ts'

let server: RedisServer
const connections: RedisConnection[] = []
beforeAll(async () => {
  server = await startRedisServer()
})
afterAll(async () => {
  for (const c of connections) c.close()
  await server.stop()
})

// Each test counts its own day, so tests sharing the server never see each other's usage.
let dayOffset = 0
function replica(options: { flushEvents?: number } = {}) {
  const day = Date.UTC(2030, 0, 1 + ++dayOffset, 12)
  const clock = new DayClock(() => day)
  const redis = new RedisConnection({ url: server.url, timeoutMs: 500, reconnectBackoffMs: { min: 0, max: 0 } })
  connections.push(redis)
  const local = SqliteUsage.open(mkdtempSync(join(tmpdir(), 'tts-redis-usage-')))
  const shared = new RedisUsage(redis, { retentionDays: 30 })
  let budgets: RedisBudgets | undefined
  const ledger = new UsageLedger({
    local,
    shared,
    price: () => 100,
    flushMs: 60_000,
    flushEvents: options.flushEvents ?? 10_000,
    clock,
    onShared: (batch) => budgets?.applied(batch),
  })
  budgets = new RedisBudgets({ redis, delta: (m, k, c, u) => ledger.budgetDelta(m, k, c, u), clock })
  return { ledger, local, shared, budgets, day: new Date(day).toISOString().slice(0, 10), clock }
}
const event = (over: Partial<UsageEvent> = {}): UsageEvent => ({ key: 'team-a', engine: 'eleven', model: 'eleven_v3', requested: 10, billed: 10, audioSeconds: 1, ...over })

describe('the shared ledger in Redis', () => {
  test('two replicas add up in one ledger, read back per key, engine and model', async () => {
    const a = replica()
    const b = replica()
    const day = a.day
    // Same day for both: b reads a's clock's day.
    const bOnSameDay = new UsageLedger({ local: b.local, shared: b.shared, price: () => 100, flushMs: 60_000, flushEvents: 10_000, clock: a.clock })
    a.ledger.record(event())
    bOnSameDay.record(event({ billed: 0 }))
    bOnSameDay.record(event({ key: 'team-b', requested: 3, billed: 3 }))
    await bOnSameDay.flush()
    const rows = await a.ledger.read({ from: day, to: day })
    expect(rows).toEqual([
      { day, key: 'team-a', engine: 'eleven', model: 'eleven_v3', requested: 20, billed: 10, audioSeconds: 2, requests: 2, cost: 0.001 },
      { day, key: 'team-b', engine: 'eleven', model: 'eleven_v3', requested: 3, billed: 3, audioSeconds: 1, requests: 1, cost: 0.0003 },
    ])
    expect(await a.ledger.read({ from: day, to: day, keys: ['team-b'] })).toHaveLength(1)
  })

  test('a batch applied twice (a crash between "Redis has it" and "deleted here") counts once', async () => {
    const r = replica()
    r.ledger.record(event())
    await r.ledger.flush()
    const [row] = await r.shared.read({ from: r.day, to: r.day })
    // The same batch again, as a restarted replica would retry it from its outbox.
    const batch = { id: 'retried-batch', rows: [{ ...row!, requested: 1, billed: 1, audioSeconds: 0, requests: 1, cost: 0 }], budget: [], events: 1 }
    await r.shared.apply(batch)
    await r.shared.apply(batch)
    expect((await r.shared.read({ from: r.day, to: r.day }))[0]).toMatchObject({ requested: 11, requests: 2 })
  })

  test('Redis down: counting goes on into the outbox; back up: reconciled exactly once', async () => {
    const r = replica()
    r.ledger.record(event())
    await r.ledger.flush()
    await server.kill()
    try {
      for (let i = 0; i < 5; i++) r.ledger.record(event({ requested: 2, billed: 0 }))
      await expect(r.ledger.flush()).rejects.toThrow()
      r.ledger.record(event({ requested: 1, billed: 1 }))
      await expect(r.ledger.flush()).rejects.toThrow()
      expect(r.ledger.unshared).toBe(6)
      await expect(r.ledger.read({ from: r.day, to: r.day })).rejects.toBeInstanceOf(UsageUnavailableError)
    } finally {
      await server.restart()
    }
    // The restarted server is empty (no persistence in tests): what reaches it is the outbox, once.
    await r.ledger.flush()
    await r.ledger.flush()
    expect(r.ledger.unshared).toBe(0)
    expect((await r.ledger.read({ from: r.day, to: r.day }))[0]).toMatchObject({ requested: 11, billed: 1, requests: 6 })
  })
})

describe('budgets across replicas', () => {
  const key = (budget: ApiKey['budget']): ApiKey => ({ id: `k${++dayOffset}`, name: 'k', limits: {}, budget })

  test('replicas racing for the last characters never pass the budget together', async () => {
    const replicas = [replica(), replica(), replica()]
    const k = key({ characters: 100 })
    const attempts = replicas.flatMap((r) => Array.from({ length: 10 }, () => r.budgets.reserve(k, 7, 0)))
    const results = await Promise.allSettled(attempts)
    const admitted = results.filter((r) => r.status === 'fulfilled').length
    expect(admitted).toBe(14) // 14 x 7 = 98: a 15th would pass 100
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof QuotaExceededError)).toBe(true)
  })

  test('what a request did not use (a hit costs nothing) comes back once its batch lands', async () => {
    const r = replica()
    const k = key({ usd: 0.002 })
    const first = await r.budgets.reserve(k, 15, 0.0015)
    await expect(r.budgets.reserve(k, 10, 0.001)).rejects.toBeInstanceOf(QuotaExceededError)
    // The first was a cache hit: its cost is given back.
    r.budgets.settle(k.id, first, { chars: 15, usd: 0 })
    await expect(r.budgets.reserve(k, 10, 0.001)).resolves.toMatchObject({ shared: true })
    expect(r.budgets.spent(k.id).usd).toBeCloseTo(0.001, 9)
    await r.ledger.flush()
    await r.budgets.refresh([k.id])
    expect(r.budgets.spent(k.id).usd).toBeCloseTo(0.001, 9)
  })

  test('Redis down: a replica holds budgets against what it last saw plus what it spent since', async () => {
    const r = replica()
    const k = key({ characters: 50 })
    const before = await r.budgets.reserve(k, 20, 0)
    r.budgets.settle(k.id, before, { chars: 20, usd: 0 })
    await server.kill()
    try {
      const offline = await r.budgets.reserve(k, 20, 0)
      expect(offline.shared).toBe(false)
      await expect(r.budgets.reserve(k, 20, 0)).rejects.toBeInstanceOf(QuotaExceededError)
      r.budgets.settle(k.id, offline, { chars: 20, usd: 0 })
    } finally {
      await server.restart()
    }
    expect(r.budgets.spent(k.id).chars).toBe(40)
    await r.ledger.flush()
    // The restarted server (no persistence in tests) lost the first 20; the outbox brought back what was spent offline.
    await r.budgets.refresh([k.id])
    expect(r.budgets.spent(k.id).chars).toBe(20)
  })
})
