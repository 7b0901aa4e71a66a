import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { RedisClient } from 'bun'
import { type RedisServer, startRedisServer } from '../../test/support/redis-server.ts'
import type { CachedAudio, CacheOp } from './cache.ts'
import { CorruptRecordError } from './record-codec.ts'
import { RedisCache, type RedisCacheOptions } from './redis-cache.ts'
import { CacheTimeoutError } from './with-timeout.ts'

const TIMEOUT_MS = 200
/** Generous bound for "resolved quickly": the per-call budget plus scheduling slack on a loaded 2-core box. */
const QUICK_MS = TIMEOUT_MS + 500

let server: RedisServer
let admin: RedisClient
let errors: { op: CacheOp; err: unknown }[]
let caches: RedisCache[] = []
let prefixCounter = 0

const onError = (op: CacheOp, err: unknown) => errors.push({ op, err })
async function openCache(options: Partial<RedisCacheOptions> = {}): Promise<RedisCache> {
  const cache = await RedisCache.open({
    url: server.url,
    prefix: `test:${++prefixCounter}:`,
    timeoutMs: TIMEOUT_MS,
    reconnectBackoffMs: { min: 0, max: 0 },
    refreshMs: 0,
    onError,
    ...options,
  })
  caches.push(cache)
  return cache
}
const audio = (body: Uint8Array): CachedAudio => ({ body, contentType: 'audio/pcm', meta: { sampleRate: 24000 } })
async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now()
  const value = await work
  return { value, ms: performance.now() - start }
}

beforeAll(async () => {
  server = await startRedisServer()
  admin = new RedisClient(server.url)
})
afterAll(async () => {
  admin?.close()
  await server?.stop()
})
beforeEach(async () => {
  errors = []
  await Promise.all(caches.map((cache) => cache.close()))
  caches = []
})

describe('RedisCache', () => {
  test('round trip of binary data with every byte value', async () => {
    const cache = await openCache()
    const body = Uint8Array.from({ length: 256 * 40 }, (_, i) => (i * 7 + (i >> 8)) & 0xff)
    await cache.set('k1', audio(body))
    const hit = await cache.get('k1')
    expect(hit).toBeDefined()
    expect(Buffer.from(hit!.body).equals(Buffer.from(body))).toBe(true)
    expect(new Set(hit!.body).size).toBe(256)
    expect(hit!.meta).toEqual({ sampleRate: 24000 })
    expect(await cache.get('absent')).toBeUndefined()
    expect(cache.writable()).toBe(true)
    expect(errors).toEqual([])
  })

  test('entries carry the configured TTL under the configured prefix', async () => {
    const cache = await openCache({ prefix: 'ttl-test:', ttlSeconds: 600 })
    await cache.set('k', audio(new Uint8Array([1, 2, 3])))
    const ttl = await admin.ttl('ttl-test:k')
    expect(ttl).toBeGreaterThan(590)
    expect(ttl).toBeLessThanOrEqual(600)

    const forever = await openCache({ prefix: 'no-ttl:', ttlSeconds: 0 })
    await forever.set('k', audio(new Uint8Array([1])))
    expect(await admin.ttl('no-ttl:k')).toBe(-1)
  })

  test('a corrupt value is a miss, reported, and deleted', async () => {
    const cache = await openCache({ prefix: 'corrupt:' })
    await admin.set('corrupt:k', new Uint8Array([0x54, 0x54, 0x53, 0x41, 9, 9, 9]))
    expect(await cache.get('k')).toBeUndefined()
    expect(errors[0]?.err).toBeInstanceOf(CorruptRecordError)
    expect(await admin.exists('corrupt:k')).toBe(false)
  })

  test('bytes() reports Redis used_memory', async () => {
    const cache = await openCache()
    expect(cache.bytes()).toBeGreaterThan(0)
  })

  test('a hung server (SIGSTOP) costs each call at most the timeout', async () => {
    const cache = await openCache()
    await cache.set('k', audio(new Uint8Array([1])))
    server.pause()
    try {
      const get = await timed(cache.get('k'))
      const set = await timed(cache.set('k2', audio(new Uint8Array([2]))))
      // The third consecutive timeout drops the connection; the next call must build a new one.
      const third = await timed(cache.get('k'))
      expect(get.value).toBeUndefined()
      for (const call of [get, set, third]) expect(call.ms).toBeLessThan(QUICK_MS)
      expect(errors.map((e) => e.op)).toEqual(['get', 'set', 'get'])
      expect(errors.every((e) => e.err instanceof CacheTimeoutError)).toBe(true)
      expect(cache.writable()).toBe(false)
    } finally {
      server.resume()
    }
    expect((await cache.get('k'))?.body[0]).toBe(1)
    expect(cache.writable()).toBe(true)
  })

  test('server killed: calls resolve quickly as misses / no-ops; restarted: works again', async () => {
    const cache = await openCache()
    await cache.set('k', audio(new Uint8Array([1])))
    await server.kill()

    const get = await timed(cache.get('k'))
    const set = await timed(cache.set('k', audio(new Uint8Array([2]))))
    expect(get.value).toBeUndefined()
    expect(get.ms).toBeLessThan(QUICK_MS)
    expect(set.ms).toBeLessThan(QUICK_MS)
    expect(errors.map((e) => e.op)).toEqual(['get', 'set'])
    expect(cache.writable()).toBe(false)

    await server.restart()
    // The server restarted empty (no persistence): write, then read back through the reconnected client.
    await cache.set('k', audio(new Uint8Array([3])))
    expect(cache.writable()).toBe(true)
    expect((await cache.get('k'))?.body[0]).toBe(3)
    admin.close()
    admin = new RedisClient(server.url)
  })

  test('Redis down at start: open() resolves, the cache misses and is not writable', async () => {
    const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
    const deadPort = listener.port
    listener.stop(true)
    const opened = await timed(openCache({ url: `redis://127.0.0.1:${deadPort}`, refreshMs: 15_000 }))
    const cache = opened.value
    expect(opened.ms).toBeLessThan(QUICK_MS)
    expect(cache.writable()).toBe(false)
    expect(await cache.get('k')).toBeUndefined()
    await cache.set('k', audio(new Uint8Array([1])))
    expect(errors.map((e) => e.op)).toEqual(['get', 'set'])
  })

  test('after close() calls are misses / no-ops', async () => {
    const cache = await openCache()
    await cache.set('k', audio(new Uint8Array([1])))
    await cache.close()
    expect(await cache.get('k')).toBeUndefined()
    await cache.set('k', audio(new Uint8Array([2])))
    expect(cache.writable()).toBe(false)
    expect(errors).toEqual([])
  })
})
