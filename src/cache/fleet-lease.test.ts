import { afterAll, beforeAll, expect, test } from 'bun:test'
import { RedisClient } from 'bun'
import { type RedisServer, startRedisServer } from '../../test/support/redis-server.ts'
import { waitUntil } from '../../test/support/wait.ts'
import type { CachedAudio } from './cache.ts'
import { FleetLease, type FleetLeaseOptions, type LeaseOutcome } from './fleet-lease.ts'
import { RedisCache } from './redis-cache.ts'

let server: RedisServer
let admin: RedisClient
let shared: RedisCache
const opened: FleetLease[] = []

beforeAll(async () => {
  server = await startRedisServer()
  admin = new RedisClient(server.url)
  shared = await RedisCache.open({ url: server.url, refreshMs: 0 })
})
afterAll(async () => {
  for (const lease of opened) lease.close()
  admin?.close()
  await shared?.close()
  await server?.stop()
})

/** One replica's view of the fleet: its own connection and its own outcome log. */
function replica(options: Partial<FleetLeaseOptions> = {}): FleetLease & { outcomes: LeaseOutcome[] } {
  const outcomes: LeaseOutcome[] = []
  const lease = Object.assign(new FleetLease({ url: server.url, onOutcome: (o) => outcomes.push(o), ...options }), { outcomes })
  opened.push(lease)
  return lease
}
const audio = (text: string): CachedAudio => ({ body: new TextEncoder().encode(text), contentType: 'audio/wav', meta: {} })
const freshKey = () => `k-${crypto.randomUUID()}`
const lookup = (key: string) => () => shared.get(key)

test('the second replica waits for the first and takes its audio from the shared cache', async () => {
  const [a, b] = [replica(), replica()]
  const key = freshKey()
  const leader = await a.claim(key, lookup(key))
  expect(leader.outcome).toBe('leader')
  expect(leader.audio).toBeUndefined()

  const waiting = b.claim(key, lookup(key))
  await waitUntil(() => b.waiting === 1, 5000, 'b to wait for the lease')
  await shared.set(key, audio('made by a'))
  await leader.release()
  const follower = await waiting
  expect(follower.outcome).toBe('shared')
  expect(new TextDecoder().decode(follower.audio!.body)).toBe('made by a')
  expect(await admin.exists(`tts:lease:${key}`)).toBe(false)
})

test('a holder that crashes stops renewing: its lease expires and a waiter takes over', async () => {
  const crashing = replica({ ttlMs: 300 })
  const survivor = replica({ ttlMs: 300 })
  const key = freshKey()
  expect((await crashing.claim(key, lookup(key))).outcome).toBe('leader')
  crashing.close() // its renewals fail from now on, as if the process had died

  const claim = await survivor.claim(key, lookup(key))
  expect(claim.outcome).toBe('takeover')
  expect(claim.audio).toBeUndefined()
  // The survivor now holds the lease itself.
  expect(await admin.exists(`tts:lease:${key}`)).toBe(true)
  await claim.release()
  expect(await admin.exists(`tts:lease:${key}`)).toBe(false)
})

test('a holder that fails without storing lets a waiter synthesise instead', async () => {
  const [a, b] = [replica(), replica()]
  const key = freshKey()
  const failed = await a.claim(key, lookup(key))
  const waiting = b.claim(key, lookup(key))
  await waitUntil(() => b.waiting === 1, 5000, 'b to wait for the lease')
  await failed.release()
  expect((await waiting).outcome).toBe('takeover')
})

test('the holder renews its lease while it works, so a long synthesis is not duplicated', async () => {
  const holder = replica({ ttlMs: 300 })
  const key = freshKey()
  const claim = await holder.claim(key, lookup(key))
  const first = await admin.pttl(`tts:lease:${key}`)
  // Without renewal the remaining time only falls; a renewal raises it back towards 300 ms.
  let last = first
  await waitUntil(
    async () => {
      const now = await admin.pttl(`tts:lease:${key}`)
      const renewed = now > last
      last = now
      return renewed
    },
    5000,
    'the lease to be renewed',
  )
  await claim.release()
})

test('a released lease cannot be deleted by its former holder once someone else holds it', async () => {
  const [a, b] = [replica({ ttlMs: 200 }), replica({ ttlMs: 5000 })]
  const key = freshKey()
  const stale = await a.claim(key, lookup(key))
  // a's lease is gone (expired, say) and b leads now.
  await admin.del(`tts:lease:${key}`)
  const current = await b.claim(key, lookup(key))
  expect(current.outcome).toBe('leader')
  await stale.release()
  expect(await admin.exists(`tts:lease:${key}`)).toBe(true)
  await current.release()
})

test('a waiter whose readers have all gone stops waiting', async () => {
  const [a, b] = [replica(), replica()]
  const key = freshKey()
  const held = await a.claim(key, lookup(key))
  const readers = new AbortController()
  const waiting = b.claim(key, lookup(key), readers.signal)
  await waitUntil(() => b.waiting === 1, 5000, 'b to wait for the lease')
  readers.abort()
  expect((await waiting).outcome).toBe('local')
  await held.release()
})

test('with Redis down, every claim is local at once (today behaviour: synthesise here)', async () => {
  const down = await startRedisServer()
  const errors: unknown[] = []
  const lease = replica({ url: down.url, onError: (err) => errors.push(err), timeoutMs: 200 })
  await down.kill()
  const started = performance.now()
  const claim = await lease.claim(freshKey(), async () => undefined)
  expect(claim.outcome).toBe('local')
  expect(performance.now() - started).toBeLessThan(2000)
  expect(errors.length).toBeGreaterThan(0)
  await claim.release()
  await down.stop()
})
