/**
 * Two replicas sharing a real redis-server: what one synthesised, the other serves from
 * the cache; and when Redis goes away, both keep answering.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startRedisServer, type RedisServer } from './support/redis-server.ts'
import { startService, type RunningService } from './support/service.ts'

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
  const second = await speak(b, input)
  expect(second.headers.get('x-cache')).toBe('HIT')
  expect(new Uint8Array(await second.arrayBuffer()).subarray(44)).toEqual(firstBytes.subarray(44))
})

test('with Redis gone, both replicas still answer (without the shared cache)', async () => {
  await redis.stop()
  const res = await speak(b, `No cache now ${crypto.randomUUID().slice(0, 8)}.`)
  expect(res.status).toBe(200)
  expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(10_000)
  const ready = await (await fetch(`${b.url}/readyz`)).json()
  expect(ready).toMatchObject({ checks: { engine: true } })
})
