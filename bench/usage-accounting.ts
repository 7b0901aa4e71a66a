/**
 * The usage accounting's CPU per cache hit (issue #18, goal <= 3 µs), in-process so a load
 * generator's noise stays out of it:
 *
 * 1. the accounting calls a hit makes (a RequestUsage admitted and served from the cache,
 *    then recorded into a real SQLite ledger in batches of the default TTS_USAGE_FLUSH_EVENTS,
 *    its share of each flush included), per hit;
 * 2. the same through Hono: one app with the usage middleware and one without, answering a
 *    cached body, in alternating rounds; the difference is what accounting adds to a hit.
 *
 * CPU is this process's (process.cpuUsage), the median of alternating rounds.
 */
import { Hono } from 'hono'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AppEnv } from '../src/app-env.ts'
import type { Voice } from '../src/tts/engine.ts'
import { LocalBudgets } from '../src/usage/budgets.ts'
import type { Metering } from '../src/usage/metering.ts'
import { RequestUsage, usageMeter } from '../src/usage/request-usage.ts'
import { SqliteUsage } from '../src/usage/sqlite-usage.ts'
import { DayClock } from '../src/usage/usage-event.ts'
import { UsageLedger } from '../src/usage/usage-ledger.ts'
import { fmt, quantile, verdict } from './stats.ts'

const ROUNDS = 7
const HITS_PER_ROUND = 50_000
const REQUESTS_PER_ROUND = 10_000
const GOAL_US = 3
const VOICE: Voice = { id: 'en-us-f1', name: 'English', language: 'en-US', gender: 'female', engineVoice: 'en-us+f3' }
const HIT = { engine: () => undefined, audioSeconds: () => 1.2, synthesised: () => false }
const BODY = new Uint8Array(16 * 1024)

async function cpuMicrosAsync(fn: () => Promise<void>): Promise<number> {
  const start = process.cpuUsage()
  await fn()
  const used = process.cpuUsage(start)
  return used.user + used.system
}

function metering(dir: string): { metering: Metering; ledger: UsageLedger } {
  const clock = new DayClock()
  const local = SqliteUsage.open(dir)
  const ledger = new UsageLedger({ local, price: () => 15, flushMs: 1000, flushEvents: 100, clock })
  return { ledger, metering: { ledger, budgets: new LocalBudgets((month) => local.monthSpend(month), clock), engineOf: () => 'espeak', price: () => 15 } }
}

function app(m: Metering | undefined): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.use(async function apiStyle(c, next) {
    c.set('apiStyle', 'openai')
    await next()
  })
  if (m) app.use('/v1/audio/speech', usageMeter(m))
  app.post('/v1/audio/speech', async (c) => {
    await c.get('usage')?.admit({ chars: 80, voice: VOICE, model: 'tts-1' })
    const cost = c.get('usage')?.served(HIT)
    return new Response(BODY, { headers: { 'content-type': 'audio/mpeg', ...(cost !== undefined && { 'character-cost': String(cost) }) } })
  })
  return app
}

export async function benchAccountingPerHit(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tts-bench-usage-'))
  const { metering: m, ledger } = metering(dir)
  try {
    // 1. The accounting calls alone.
    const hits = async () => {
      for (let i = 0; i < HITS_PER_ROUND; i++) {
        const usage = new RequestUsage(m, undefined, 'openai')
        await usage.admit({ chars: 80, voice: VOICE, model: 'tts-1' })
        usage.served(HIT)
        usage.end(true)
      }
      // Flushes queued by the last events run inside the measured round.
      await ledger.flush()
    }
    await hits()
    const direct: number[] = []
    for (let r = 0; r < ROUNDS; r++) direct.push((await cpuMicrosAsync(hits)) / HITS_PER_ROUND)

    // 2. Through Hono, with and without the usage middleware, alternating.
    const withUsage = app(m)
    const without = app(undefined)
    const post = { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }
    const round = async (target: Hono<AppEnv>) => {
      for (let i = 0; i < REQUESTS_PER_ROUND; i++) await (await target.request('/v1/audio/speech', post)).arrayBuffer()
      await ledger.flush()
    }
    for (const target of [withUsage, without, withUsage, without]) await round(target)
    const on: number[] = []
    const off: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      on.push((await cpuMicrosAsync(() => round(withUsage))) / REQUESTS_PER_ROUND)
      off.push((await cpuMicrosAsync(() => round(without))) / REQUESTS_PER_ROUND)
    }
    const [directUs, onUs, offUs] = [quantile(direct, 0.5), quantile(on, 0.5), quantile(off, 0.5)]
    const added = onUs - offUs
    return [
      `Usage accounting per cache hit (in-process, median of ${ROUNDS} alternating rounds; real SQLite ledger, batches of 100):`,
      `  the accounting calls of one hit (admit, served, recorded, flush share)  ${fmt(directUs, 2)} µs`,
      `  a hit through Hono with the usage middleware ${fmt(onUs, 2)} µs, without ${fmt(offUs, 2)} µs: +${fmt(added, 2)} µs`,
      verdict(`accounting's CPU per cache hit <= ${GOAL_US} µs`, added <= GOAL_US && directUs <= GOAL_US, `${fmt(added, 2)} µs with its middleware, ${fmt(directUs, 2)} µs for the calls alone`),
    ]
  } finally {
    await ledger.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
