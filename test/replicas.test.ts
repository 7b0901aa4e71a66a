/**
 * Two replicas sharing a real redis-server: what one synthesised, the other serves from
 * the cache; and when Redis goes away, both keep answering.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { RedisClient } from 'bun'
import { startRedisServer, type RedisServer } from './support/redis-server.ts'
import { startService, type RunningService } from './support/service.ts'
import { waitUntil } from './support/wait.ts'

let redis: RedisServer
let a: RunningService
let b: RunningService

beforeAll(async () => {
  redis = await startRedisServer()
  a = await startService({ TTS_REDIS_URL: redis.url })
  b = await startService({ TTS_REDIS_URL: redis.url })
})
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()])
  await redis?.stop()
}, 30_000)

/** Fleet leases held right now (`tts:lease:<key>`). */
async function leases(): Promise<unknown[]> {
  const client = new RedisClient(redis.url)
  try {
    return (await client.send('KEYS', ['tts:lease:*'])) as unknown[]
  } finally {
    client.close()
  }
}

const speak = (svc: RunningService, input: string) =>
  fetch(`${svc.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input, response_format: 'wav' }),
  })

test('audio synthesised by one replica is a cache hit on the other', async () => {
  const input = `Shared between replicas ${crypto.randomUUID().slice(0, 8)}.`
  const first = await speak(a, input)
  const firstBytes = new Uint8Array(await first.arrayBuffer())
  expect(first.headers.get('x-cache')).toBe('MISS')
  // The leader stores the audio after its response ends and only then gives up its lease (docs/operations.md,
  // "Fleet"): a request arriving in between waits on the lease and is answered as a miss. Once the lease is gone
  // the audio is in the shared cache.
  await waitUntil(async () => (await leases()).length === 0, 10_000, "the leader's lease to be released")
  const second = await speak(b, input)
  expect(second.headers.get('x-cache')).toBe('HIT')
  expect(new Uint8Array(await second.arrayBuffer()).subarray(44)).toEqual(firstBytes.subarray(44))
})

test('with Redis down, replicas keep their local cache and keep serving; when it returns, sharing resumes', async () => {
  const known = `Cached before the outage ${crypto.randomUUID().slice(0, 8)}.`
  await (await speak(a, known)).arrayBuffer()
  await (await speak(b, known)).arrayBuffer() // now also in b's local tier
  await redis.kill()

  const hit = await speak(b, known)
  expect(hit.headers.get('x-cache')).toBe('HIT')
  await hit.arrayBuffer()
  const fresh = await speak(b, `During the outage ${crypto.randomUUID().slice(0, 8)}.`)
  expect(fresh.status).toBe(200)
  expect((await fresh.arrayBuffer()).byteLength).toBeGreaterThan(10_000)
  // Audio is still cached locally, so the replica stays ready.
  expect((await fetch(`${b.url}/readyz`)).status).toBe(200)

  await redis.restart()
  await waitUntil(async () => {
    // A new text each time, so b can only hit it through Redis (a's write lands once a has
    // reconnected; its backoff is at most 5 s).
    const after = `After the outage ${crypto.randomUUID().slice(0, 8)}.`
    await (await speak(a, after)).arrayBuffer()
    const res = await speak(b, after)
    await res.arrayBuffer()
    return res.headers.get('x-cache') === 'HIT'
  }, 20_000, 'replica b to hit what replica a stored after Redis came back')
}, 40_000)
