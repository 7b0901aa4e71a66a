import { describe, expect, test } from 'bun:test'
import { MemoryCache } from './memory-cache.ts'

const audio = (fill: number) => ({ body: new Uint8Array(100).fill(fill), contentType: 'audio/mpeg', meta: {} })

describe('MemoryCache', () => {
  test('round trip, and the stored body is isolated from the caller buffer', async () => {
    const cache = new MemoryCache({ maxBytes: 1000 })
    const value = audio(1)
    await cache.set('a', value)
    value.body.fill(9)
    expect((await cache.get('a'))?.body[0]).toBe(1)
    expect(cache.bytes()).toBe(100)
  })

  test('evicts the least recently read entry to stay under the cap', async () => {
    const cache = new MemoryCache({ maxBytes: 300 })
    for (const key of ['a', 'b', 'c']) await cache.set(key, audio(1))
    await cache.get('a')
    await cache.set('d', audio(1))
    expect(await cache.get('b')).toBeUndefined()
    expect(cache.bytes()).toBe(300)
    for (const key of ['a', 'c', 'd']) expect(await cache.get(key)).toBeDefined()
  })
})
