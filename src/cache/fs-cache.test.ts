import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, truncate, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CachedAudio, CacheOp } from './cache.ts'
import { cacheKey } from './cache-key.ts'
import { FsCache } from './fs-cache.ts'
import { CorruptRecordError, encodeRecord } from './record-codec.ts'

const keyOf = (text: string) => cacheKey({ engine: 'espeak', model: 'tts-1', voice: 'v', format: 'mp3', speed: 1, text })
const audio = (fill: number, length = 1000): CachedAudio => ({
  body: new Uint8Array(length).fill(fill),
  contentType: 'audio/mpeg',
  meta: { durationS: 1.5, sampleRate: 24000 },
})
/** Every record in these tests has the same size, so caps can be stated in entries. */
const RECORD = encodeRecord(keyOf('x'), audio(0)).length
/** Under a cap of a few records each record gets a segment of its own; 1 MiB holds every record in one. */
const ROOMY = 1 << 20

let dir: string
let errors: { op: CacheOp; err: unknown }[]
const onError = (op: CacheOp, err: unknown) => errors.push({ op, err })
const segments = () => readdirSync(dir).filter((name) => name.endsWith('.seg')).sort().map((name) => join(dir, name))
const segmentBytes = () => segments().reduce((sum, path) => sum + statSync(path).size, 0)
const opened: FsCache[] = []
const openCache = async (maxBytes: number) => {
  const cache = await FsCache.open({ dir, maxBytes, onError })
  opened.push(cache)
  return cache
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tts-fs-cache-'))
  errors = []
})
afterEach(async () => {
  await Promise.all(opened.splice(0).map((cache) => cache.close()))
  await rm(dir, { recursive: true, force: true })
})

describe('FsCache', () => {
  test('round trip keeps body, content type and meta; unknown keys miss', async () => {
    const cache = await openCache(ROOMY)
    const value: CachedAudio = { body: Uint8Array.from({ length: 256 }, (_, i) => i), contentType: 'audio/wav', meta: { a: 'x', n: 2 } }
    await cache.set(keyOf('a'), value)
    const hit = await cache.get(keyOf('a'))
    expect(hit?.contentType).toBe('audio/wav')
    expect(hit?.meta).toEqual({ a: 'x', n: 2 })
    expect(Buffer.from(hit!.body).equals(Buffer.from(value.body))).toBe(true)
    expect(await cache.get(keyOf('b'))).toBeUndefined()
    expect(cache.bytes()).toBe(encodeRecord(keyOf('a'), value).length)
    expect(segmentBytes()).toBe(cache.bytes())
    expect(cache.writable()).toBe(true)
    expect(errors).toEqual([])
  })

  test('a key that is not a hash is served, and never becomes a path', async () => {
    const cache = await openCache(ROOMY)
    await cache.set('../../etc/passwd', audio(7))
    expect((await cache.get('../../etc/passwd'))?.body[0]).toBe(7)
    expect(readdirSync(dir).every((name) => /^[0-9a-f]{16}\.seg$/.test(name))).toBe(true)
  })

  test('a key stored again is served as its latest value, also after a restart', async () => {
    const first = await openCache(ROOMY)
    await first.set(keyOf('a'), audio(1))
    await first.set(keyOf('a'), audio(2))
    expect((await first.get(keyOf('a')))?.body[0]).toBe(2)
    await first.close()
    expect((await (await openCache(ROOMY)).get(keyOf('a')))?.body[0]).toBe(2)
  })

  test('a new instance over the same directory serves what the old one stored, closed or not', async () => {
    const first = await openCache(ROOMY)
    await first.set(keyOf('a'), audio(1))
    await first.close()
    // A crash: no close, so no hint for what was appended next; the start scans it.
    const crashed = await openCache(ROOMY)
    await crashed.set(keyOf('b'), audio(2))
    const second = await openCache(ROOMY)
    expect((await second.get(keyOf('a')))?.body[0]).toBe(1)
    expect((await second.get(keyOf('b')))?.body[0]).toBe(2)
    expect(second.bytes()).toBe(2 * RECORD)
    expect(errors).toEqual([])
  })

  test('eviction keeps the total under the cap and drops the least recently read entry', async () => {
    const cache = await openCache(3 * RECORD)
    for (const name of ['a', 'b', 'c']) await cache.set(keyOf(name), audio(1))
    expect(await cache.get(keyOf('a'))).toBeDefined() // a is now newer than b and c
    await cache.set(keyOf('d'), audio(1))
    expect(cache.bytes()).toBeLessThanOrEqual(3 * RECORD)
    expect(await cache.get(keyOf('b'))).toBeUndefined()
    for (const name of ['a', 'c', 'd']) expect(await cache.get(keyOf(name))).toBeDefined()
    await cache.close()
    expect(segmentBytes()).toBe(cache.bytes())
  })

  test('concurrent writes under a small cap leave the index and the directory in agreement', async () => {
    const cache = await openCache(5 * RECORD)
    await Promise.all(Array.from({ length: 60 }, (_, i) => cache.set(keyOf(`k${i}`), audio(i))))
    expect(cache.bytes()).toBe(5 * RECORD)
    await cache.close()
    expect(segmentBytes()).toBe(5 * RECORD)
    const reopened = await openCache(5 * RECORD)
    expect(reopened.bytes()).toBe(5 * RECORD)
    for (let i = 55; i < 60; i++) expect((await reopened.get(keyOf(`k${i}`)))?.body[0]).toBe(i)
    expect(errors).toEqual([])
  })

  test('the LRU order survives a restart', async () => {
    const first = await openCache(3 * RECORD)
    for (const name of ['a', 'b', 'c']) await first.set(keyOf(name), audio(1))
    await first.get(keyOf('a'))
    await first.close()
    const second = await openCache(3 * RECORD)
    await second.set(keyOf('d'), audio(1))
    expect(await second.get(keyOf('b'))).toBeUndefined()
    for (const name of ['a', 'c', 'd']) expect(await second.get(keyOf(name))).toBeDefined()
  })

  test('an entry larger than the whole cache is not stored and evicts nothing', async () => {
    const cache = await openCache(2 * RECORD)
    await cache.set(keyOf('a'), audio(1))
    await cache.set(keyOf('huge'), audio(2, 3 * RECORD))
    await cache.set(keyOf('just over'), audio(3, 2 * RECORD - 10)) // body fits, the record does not
    expect(await cache.get(keyOf('huge'))).toBeUndefined()
    expect(await cache.get(keyOf('just over'))).toBeUndefined()
    expect(await cache.get(keyOf('a'))).toBeDefined()
    expect(cache.bytes()).toBe(RECORD)
    expect(errors).toEqual([])
  })

  test('a lowered cap evicts the oldest entries at open', async () => {
    const first = await openCache(10 * RECORD)
    for (const name of ['a', 'b', 'c', 'd']) await first.set(keyOf(name), audio(1))
    await first.close()
    const second = await openCache(2 * RECORD)
    expect(second.bytes()).toBe(2 * RECORD)
    expect(await second.get(keyOf('a'))).toBeUndefined()
    expect(await second.get(keyOf('d'))).toBeDefined()
    expect(segmentBytes()).toBe(2 * RECORD)
  })

  test('a write torn by a crash is cut off at start; what came before is served and new writes land', async () => {
    const first = await openCache(ROOMY)
    for (const name of ['a', 'b']) await first.set(keyOf(name), audio(name.charCodeAt(0)))
    const [segment] = segments()
    await truncate(segment!, 2 * RECORD - 10)
    const second = await openCache(ROOMY)
    expect((await second.get(keyOf('a')))?.body[0]).toBe(97)
    expect(await second.get(keyOf('b'))).toBeUndefined()
    expect(statSync(segment!).size).toBe(RECORD)
    await second.set(keyOf('c'), audio(3))
    await second.close()
    const third = await openCache(ROOMY)
    expect((await third.get(keyOf('c')))?.body[0]).toBe(3)
    expect(third.bytes()).toBe(2 * RECORD)
    expect(errors).toEqual([]) // a torn tail is what a crash leaves, not damage worth a report
  })

  test('a flipped byte is a miss, reported, also after a restart; its neighbours are still served', async () => {
    const first = await openCache(ROOMY)
    for (const name of ['a', 'b', 'c']) await first.set(keyOf(name), audio(1))
    await first.close()
    const [segment] = segments()
    const bytes = await readFile(segment!)
    bytes[2 * RECORD - 1]! ^= 0x01 // the last byte of b
    await writeFile(segment!, bytes)
    for (let run = 0; run < 2; run++) {
      const cache = await openCache(ROOMY)
      expect(await cache.get(keyOf('b'))).toBeUndefined()
      expect(await cache.get(keyOf('b'))).toBeUndefined()
      expect(await cache.get(keyOf('a'))).toBeDefined()
      expect(await cache.get(keyOf('c'))).toBeDefined()
      await cache.close()
    }
    expect(errors.map((e) => (e.err as CorruptRecordError).reason)).toEqual(['checksum mismatch', 'checksum mismatch'])
  })

  test('a damaged hint file costs a scan of its segment, not its entries', async () => {
    const first = await openCache(ROOMY)
    for (const name of ['a', 'b']) await first.set(keyOf(name), audio(1))
    await first.close()
    const hint = segments()[0]!.replace(/\.seg$/, '.hint')
    expect(existsSync(hint)).toBe(true)
    await writeFile(hint, 'not a hint')
    const second = await openCache(ROOMY)
    for (const name of ['a', 'b']) expect(await second.get(keyOf(name))).toBeDefined()
    expect(errors).toEqual([])
  })

  test('the layout of earlier versions (a file per entry) is taken in at start, oldest first', async () => {
    const put = async (name: string, fill: number, mtime: number) => {
      const key = keyOf(name)
      await mkdir(join(dir, key.slice(0, 2)), { recursive: true })
      const path = join(dir, key.slice(0, 2), key)
      await writeFile(path, encodeRecord(key, audio(fill)))
      await utimes(path, mtime, mtime)
      return path
    }
    const files = [await put('old', 1, 1000), await put('newer', 2, 2000), await put('newest', 3, 3000)]
    const damaged = await put('damaged', 4, 4000)
    await writeFile(damaged, 'not a record')
    await mkdir(join(dir, 'ab'), { recursive: true })
    await writeFile(join(dir, 'ab', `.tmp-${'ab'.padEnd(64, '0')}-dead`), 'half a write')
    await writeFile(join(dir, 'README'), 'not ours')
    const cache = await openCache(2 * RECORD) // room for two: the oldest goes
    expect(await cache.get(keyOf('old'))).toBeUndefined()
    expect((await cache.get(keyOf('newer')))?.body[0]).toBe(2)
    expect((await cache.get(keyOf('newest')))?.body[0]).toBe(3)
    for (const path of [...files, damaged]) expect(existsSync(path)).toBe(false)
    await cache.close()
    expect(readdirSync(dir).filter((name) => !/\.(seg|hint)$/.test(name))).toEqual(['README'])
  })

  // Tests run as root, where chmod 0555 does not stop writes. A path component
  // that is a regular file makes mkdir/open fail with EEXIST/ENOTDIR for root too.
  test('a cache dir that is a regular file: starts unwritable, misses, never throws', async () => {
    const file = join(dir, 'not-a-dir')
    await writeFile(file, 'x')
    const cache = await FsCache.open({ dir: file, maxBytes: ROOMY, onError })
    opened.push(cache)
    expect(cache.writable()).toBe(false)
    await cache.set(keyOf('a'), audio(1))
    expect(await cache.get(keyOf('a'))).toBeUndefined()
    expect(errors.map((e) => e.op)).toEqual(['set', 'set'])
  })

  test('a failing write flips writable() off, gets still hit, and a later good write flips it back', async () => {
    const cache = await openCache(3 * RECORD) // a segment per record: every write opens a file
    await cache.set(keyOf('good'), audio(1))
    await rm(dir, { recursive: true })
    await writeFile(dir, 'a file where the cache directory should be')

    await cache.set(keyOf('blocked'), audio(2))
    expect(cache.writable()).toBe(false)
    expect(errors.map((e) => e.op)).toEqual(['set'])
    expect((await cache.get(keyOf('good')))?.body[0]).toBe(1) // its segment is still open
    expect(await cache.get(keyOf('blocked'))).toBeUndefined()

    await rm(dir)
    await cache.set(keyOf('blocked'), audio(2))
    expect(cache.writable()).toBe(true)
    expect((await cache.get(keyOf('blocked')))?.body[0]).toBe(2)
  })

  test('with fsync, a store resolves once its record is on the disk', async () => {
    const cache = await FsCache.open({ dir, maxBytes: ROOMY, onError, fsync: true })
    opened.push(cache)
    await cache.set(keyOf('a'), audio(5))
    expect((await cache.get(keyOf('a')))?.body[0]).toBe(5)
    expect(errors).toEqual([])
  })

  test('close() keeps what was stored; later calls are misses / no-ops', async () => {
    const cache = await openCache(ROOMY)
    const write = cache.set(keyOf('a'), audio(1))
    await cache.close()
    await write
    expect(await cache.get(keyOf('a'))).toBeUndefined()
    await cache.set(keyOf('b'), audio(2))
    expect(cache.writable()).toBe(false)
    const reopened = await openCache(ROOMY)
    expect((await reopened.get(keyOf('a')))?.body[0]).toBe(1)
    expect(await reopened.get(keyOf('b'))).toBeUndefined()
  })
})
