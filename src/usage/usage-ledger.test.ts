import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteUsage } from './sqlite-usage.ts'
import { DayClock, type UsageEvent } from './usage-event.ts'
import { UsageLedger } from './usage-ledger.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tts-usage-test-'))
  dirs.push(dir)
  return dir
}

const JUNE_1 = Date.UTC(2025, 5, 1, 12)
const event = (over: Partial<UsageEvent> = {}): UsageEvent => ({ key: 'team-a', engine: 'kokoro', model: 'tts-1', requested: 10, billed: 10, audioSeconds: 0.5, ...over })
const ledger = (local: SqliteUsage, over: Partial<ConstructorParameters<typeof UsageLedger>[0]> = {}) =>
  new UsageLedger({ local, price: (e) => (e === 'kokoro' ? 15 : 0), flushMs: 60_000, flushEvents: 1000, clock: new DayClock(() => JUNE_1), ...over })

describe('UsageLedger on one node', () => {
  test('sums events per key, engine, model and day, with cost from the engine price; hits bill nothing', async () => {
    const l = ledger(SqliteUsage.open(dataDir()))
    expect(l.record(event())).toBeCloseTo((10 * 15) / 1e6)
    l.record(event({ billed: 0 }))
    l.record(event({ model: 'tts-1-hd', requested: 4, billed: 4 }))
    l.record(event({ engine: 'local', requested: 7, billed: 7 }))
    expect(await l.read({ from: '2025-06-01', to: '2025-06-01' })).toEqual([
      { day: '2025-06-01', key: 'team-a', engine: 'kokoro', model: 'tts-1', requested: 20, billed: 10, audioSeconds: 1, requests: 2, cost: (10 * 15) / 1e6 },
      { day: '2025-06-01', key: 'team-a', engine: 'kokoro', model: 'tts-1-hd', requested: 4, billed: 4, audioSeconds: 0.5, requests: 1, cost: (4 * 15) / 1e6 },
      { day: '2025-06-01', key: 'team-a', engine: 'local', model: 'tts-1', requested: 7, billed: 7, audioSeconds: 0.5, requests: 1, cost: 0 },
    ])
    await l.close()
  })

  test('survives a restart: what was flushed is in the file, and counting goes on from it', async () => {
    const dir = dataDir()
    const first = SqliteUsage.open(dir)
    const l1 = ledger(first)
    l1.record(event())
    await l1.flush()
    l1.record(event({ requested: 3, billed: 0 }))
    // No close: a killed process never flushes its last events.
    first.close()
    const l2 = ledger(SqliteUsage.open(dir))
    l2.record(event({ requested: 5, billed: 5 }))
    const [row] = await l2.read({ from: '2025-06-01', to: '2025-06-30' })
    expect(row).toMatchObject({ requested: 15, billed: 15, requests: 2 })
    await l2.close()
  })

  test('the event that fills a batch commits it to SQLite before record returns: a kill then loses fewer than flushEvents', async () => {
    const local = SqliteUsage.open(dataDir())
    let flushed = 0
    const l = ledger(local, { flushEvents: 3, onFlushed: (b) => (flushed += b.events) })
    for (let i = 0; i < 2; i++) l.record(event())
    expect(l.unflushed).toBe(2)
    expect(local.read({ from: '2025-06-01', to: '2025-06-01' })).toEqual([])
    l.record(event())
    expect(l.unflushed).toBe(0)
    expect(flushed).toBe(3)
    expect(local.read({ from: '2025-06-01', to: '2025-06-01' })[0]!.requests).toBe(3)
    await l.close()
  })

  test('monthSpend sums characters requested and cost per key for the budget', async () => {
    const local = SqliteUsage.open(dataDir())
    const l = ledger(local)
    l.record(event())
    l.record(event({ key: 'team-b', requested: 4, billed: 0 }))
    await l.flush()
    expect(local.monthSpend('2025-06')).toEqual(
      new Map([
        ['team-a', { chars: 10, usd: (10 * 15) / 1e6 }],
        ['team-b', { chars: 4, usd: 0 }],
      ]),
    )
    expect(local.monthSpend('2025-07').size).toBe(0)
    await l.close()
  })
})
