import { describe, expect, test } from 'bun:test'
import { MemoryCache } from './memory-cache.ts'

const audio = (fill: number) => ({ body: new Uint8Array(100).fill(fill), contentType: 'audio/mpeg', meta: {} })
/** Each entry is held as bytes and as a Blob: the cap counts twice its body. */
const ENTRY = 200

describe('MemoryCache', () => {
  test('round trip, and the stored body is isolated from the caller buffer', async () => {
    const cache = new MemoryCache({ maxBytes: 1000 })
    const value = audio(1)
    await cache.set('a', value)
    value.body.fill(9)
    expect((await cache.get('a'))?.body[0]).toBe(1)
    expect(cache.bytes()).toBe(ENTRY)
  })

  test('a hit carries a Blob of the very same bytes, for responses to share', async () => {
    const cache = new MemoryCache({ maxBytes: 1000 })
    const value = { ...audio(0), body: Uint8Array.from({ length: 100 }, (_, i) => i) }
    await cache.set('a', value)
    const hit = await cache.get('a')
    expect(new Uint8Array(await hit!.blob!.arrayBuffer())).toEqual(value.body)
  })

  test('evicts the least recently read entry to stay under the cap', async () => {
    const cache = new MemoryCache({ maxBytes: 3 * ENTRY })
    for (const key of ['a', 'b', 'c']) await cache.set(key, audio(1))
    await cache.get('a')
    await cache.set('d', audio(1))
    expect(await cache.get('b')).toBeUndefined()
    expect(cache.bytes()).toBe(3 * ENTRY)
    for (const key of ['a', 'c', 'd']) expect(await cache.get(key)).toBeDefined()
  })

  test('an entry larger than the whole cap is not kept, and a replaced entry is counted once', async () => {
    const cache = new MemoryCache({ maxBytes: 300 })
    await cache.set('a', audio(1))
    await cache.set('big', { ...audio(2), body: new Uint8Array(151) })
    expect(await cache.get('big')).toBeUndefined()
    expect(await cache.get('a')).toBeDefined()
    await cache.set('a', audio(3))
    expect(cache.bytes()).toBe(ENTRY)
    expect((await cache.get('a'))?.body[0]).toBe(3)
  })
})
