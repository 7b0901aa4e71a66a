import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CachedAudio, CacheOp } from './cache.ts'
import { cacheKey } from './cache-key.ts'
import { waitUntil } from '../../test/support/wait.ts'
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

let dir: string
let errors: { op: CacheOp; err: unknown }[]
const onError = (op: CacheOp, err: unknown) => errors.push({ op, err })
const pathOf = (key: string) => join(dir, key.slice(0, 2), key)

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tts-fs-cache-'))
  errors = []
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('FsCache', () => {
  test('a shard directory removed under it is recreated: one write is lost, the next lands', async () => {
    const cache = await FsCache.open({ dir, maxBytes: 1 << 20, onError })
    const first = keyOf('a')
    await cache.set(first, audio(1))
    await rm(join(dir, first.slice(0, 2)), { recursive: true })
    // Another key in the same shard.
    let other = keyOf('b')
    for (let i = 0; other.slice(0, 2) !== first.slice(0, 2); i++) other = keyOf(`b${i}`)
    await cache.set(other, audio(2))
    expect(errors.map((e) => e.op)).toEqual(['set'])
    await cache.set(other, audio(2))
    expect((await cache.get(other))?.body).toEqual(audio(2).body)
  })

  test('round trip keeps body, content type and meta; unknown keys miss', async () => {
    const cache = await FsCache.open({ dir, maxBytes: 1 << 20, onError })
    const value: CachedAudio = { body: Uint8Array.from({ length: 256 }, (_, i) => i), contentType: 'audio/wav', meta: { a: 'x', n: 2 } }
    await cache.set(keyOf('a'), value)
    const hit = await cache.get(keyOf('a'))
    expect(hit?.contentType).toBe('audio/wav')
    expect(hit?.meta).toEqual({ a: 'x', n: 2 })
    expect(Buffer.from(hit!.body).equals(Buffer.from(value.body))).toBe(true)
    expect(await cache.get(keyOf('b'))).toBeUndefined()
    expect(existsSync(pathOf(keyOf('a')))).toBe(true)
    expect(cache.bytes()).toBe(encodeRecord(keyOf('a'), value).length)
    expect(cache.writable()).toBe(true)
    expect(errors).toEqual([])
  })

  test('non-hex keys are hashed into a safe file name', async () => {
    const cache = await FsCache.open({ dir, maxBytes: 1 << 20, onError })
    await cache.set('../../etc/passwd', audio(7))
    expect((await cache.get('../../etc/passwd'))?.body[0]).toBe(7)
    const hashed = new Bun.CryptoHasher('sha256').update('../../etc/passwd').digest('hex')
    expect(existsSync(pathOf(hashed))).toBe(true)
  })

  test('a new instance over the same directory serves what the old one stored', async () => {
    const first = await FsCache.open({ dir, maxBytes: 1 << 20, onError })
    await first.set(keyOf('a'), audio(1))
    await first.set(keyOf('b'), audio(2))
    await first.close()
    const second = await FsCache.open({ dir, maxBytes: 1 << 20, onError })
    expect((await second.get(keyOf('a')))?.body[0]).toBe(1)
    expect((await second.get(keyOf('b')))?.body[0]).toBe(2)
    expect(second.bytes()).toBe(2 * RECORD)
  })

  test('eviction keeps the total under the cap and drops the least recently read entry', async () => {
    const cache = await FsCache.open({ dir, maxBytes: 3 * RECORD, onError })
    for (const name of ['a', 'b', 'c']) await cache.set(keyOf(name), audio(1))
    expect(await cache.get(keyOf('a'))).toBeDefined() // a is now newer than b and c
    await cache.set(keyOf('d'), audio(1))
    expect(cache.bytes()).toBeLessThanOrEqual(3 * RECORD)
    expect(await cache.get(keyOf('b'))).toBeUndefined()
    expect(existsSync(pathOf(keyOf('b')))).toBe(false)
    for (const name of ['a', 'c', 'd']) expect(await cache.get(keyOf(name))).toBeDefined()
  })

  test('concurrent writes under a small cap leave the index and the directory in agreement', async () => {
    const cache = await FsCache.open({ dir, maxBytes: 5 * RECORD, onError })
    await Promise.all(Array.from({ length: 60 }, (_, i) => cache.set(keyOf(`k${i}`), audio(i))))
    expect(cache.bytes()).toBe(5 * RECORD)
    const onDisk = (await readdir(dir, { recursive: true })).filter((name) => /[0-9a-f]{64}$/.test(name))
    expect(onDisk).toHaveLength(5)
    await cache.close()
    expect((await FsCache.open({ dir, maxBytes: 5 * RECORD, onError })).bytes()).toBe(5 * RECORD)
    expect(errors).toEqual([])
  })

  test('the LRU order survives a restart (mirrored into mtimes)', async () => {
    const first = await FsCache.open({ dir, maxBytes: 3 * RECORD, onError })
    for (const name of ['a', 'b', 'c']) await first.set(keyOf(name), audio(1))
    await first.get(keyOf('a'))
    await first.close()
    const second = await FsCache.open({ dir, maxBytes: 3 * RECORD, onError })
    await second.set(keyOf('d'), audio(1))
    expect(existsSync(pathOf(keyOf('b')))).toBe(false)
    for (const name of ['a', 'c', 'd']) expect(await second.get(keyOf(name))).toBeDefined()
  })

  test('a read reaches the mtime of its file in the background, without a close', async () => {
    const cache = await FsCache.open({ dir, maxBytes: 1 << 20, onError, recencyFlushMs: 10 })
    for (const name of ['a', 'b']) await cache.set(keyOf(name), audio(1))
    const written = (await stat(pathOf(keyOf('a')))).mtimeMs
    await cache.get(keyOf('a'))
    // The hit answered before its mtime moved; the mirror writes it shortly after.
    await waitUntil(async () => (await stat(pathOf(keyOf('a')))).mtimeMs > written, 5000, 'mtime of the read entry')
    expect((await stat(pathOf(keyOf('a')))).mtimeMs).toBeGreaterThan((await stat(pathOf(keyOf('b')))).mtimeMs)
    await cache.close()
  })

  test('an entry larger than the whole cache is not stored and evicts nothing', async () => {
    const cache = await FsCache.open({ dir, maxBytes: 2 * RECORD, onError })
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
    const first = await FsCache.open({ dir, maxBytes: 10 * RECORD, onError })
    for (const name of ['a', 'b', 'c', 'd']) await first.set(keyOf(name), audio(1))
    await first.close()
    const second = await FsCache.open({ dir, maxBytes: 2 * RECORD, onError })
    expect(second.bytes()).toBe(2 * RECORD)
    expect(await second.get(keyOf('a'))).toBeUndefined()
    expect(await second.get(keyOf('d'))).toBeDefined()
  })

  test('a truncated file is a miss, reported, and deleted', async () => {
    const cache = await FsCache.open({ dir, maxBytes: 1 << 20, onError })
    await cache.set(keyOf('a'), audio(1))
    await truncate(pathOf(keyOf('a')), RECORD - 10)
    expect(await cache.get(keyOf('a'))).toBeUndefined()
    expect(existsSync(pathOf(keyOf('a')))).toBe(false)
    expect(cache.bytes()).toBe(0)
    expect(errors).toHaveLength(1)
    expect(errors[0]?.op).toBe('get')
    expect(errors[0]?.err).toBeInstanceOf(CorruptRecordError)
  })

  test('a flipped byte is a miss and the file is deleted (also after a restart)', async () => {
    const first = await FsCache.open({ dir, maxBytes: 1 << 20, onError })
    await first.set(keyOf('a'), audio(1))
    await first.close()
    const bytes = await readFile(pathOf(keyOf('a')))
    bytes[bytes.length - 1]! ^= 0x01
    await writeFile(pathOf(keyOf('a')), bytes)
    const second = await FsCache.open({ dir, maxBytes: 1 << 20, onError })
    expect(await second.get(keyOf('a'))).toBeUndefined()
    expect(existsSync(pathOf(keyOf('a')))).toBe(false)
    expect((errors[0]?.err as CorruptRecordError).reason).toBe('checksum mismatch')
  })

  test('a valid record under another key name is never served', async () => {
    const first = await FsCache.open({ dir, maxBytes: 1 << 20, onError })
    await first.set(keyOf('a'), audio(1))
    await first.close()
    await mkdir(join(dir, keyOf('b').slice(0, 2)), { recursive: true })
    await writeFile(pathOf(keyOf('b')), await readFile(pathOf(keyOf('a'))))
    const second = await FsCache.open({ dir, maxBytes: 1 << 20, onError })
    expect(await second.get(keyOf('b'))).toBeUndefined()
    expect(await second.get(keyOf('a'))).toBeDefined()
  })

  test('temp files left by a crash are removed at open; unknown files are left alone', async () => {
    const shard = join(dir, 'ab')
    await mkdir(shard, { recursive: true })
    await writeFile(join(shard, `.tmp-${'ab'.padEnd(64, '0')}-dead`), 'half a write')
    await writeFile(join(dir, 'README'), 'not ours')
    const cache = await FsCache.open({ dir, maxBytes: 1 << 20, onError })
    expect(existsSync(join(shard, `.tmp-${'ab'.padEnd(64, '0')}-dead`))).toBe(false)
    expect(existsSync(join(dir, 'README'))).toBe(true)
    expect(cache.bytes()).toBe(0)
  })

  // Tests run as root, where chmod 0555 does not stop writes. A path component
  // that is a regular file makes mkdir/open fail with EEXIST/ENOTDIR for root too.
  test('a cache dir that is a regular file: starts unwritable, misses, never throws', async () => {
    const file = join(dir, 'not-a-dir')
    await writeFile(file, 'x')
    const cache = await FsCache.open({ dir: file, maxBytes: 1 << 20, onError })
    expect(cache.writable()).toBe(false)
    await cache.set(keyOf('a'), audio(1))
    expect(await cache.get(keyOf('a'))).toBeUndefined()
    expect(errors.map((e) => e.op)).toEqual(['set', 'set'])
  })

  test('a failing write flips writable() off, gets still hit, and a later good write flips it back', async () => {
    const cache = await FsCache.open({ dir, maxBytes: 1 << 20, onError })
    const good = keyOf('a')
    let blocked = keyOf('b')
    for (let i = 0; blocked.slice(0, 2) === good.slice(0, 2); i++) blocked = keyOf(`b${i}`)
    await cache.set(good, audio(1))
    const shardPath = join(dir, blocked.slice(0, 2))
    await writeFile(shardPath, 'a file where the shard directory should be')

    await cache.set(blocked, audio(2))
    expect(cache.writable()).toBe(false)
    expect(errors.map((e) => e.op)).toEqual(['set'])
    expect((await cache.get(good))?.body[0]).toBe(1)
    expect(await cache.get(blocked)).toBeUndefined()

    await rm(shardPath)
    await cache.set(blocked, audio(2))
    expect(cache.writable()).toBe(true)
    expect((await cache.get(blocked))?.body[0]).toBe(2)
  })

  test('close() waits for writes in flight; later calls are misses / no-ops', async () => {
    const cache = await FsCache.open({ dir, maxBytes: 1 << 20, onError })
    const write = cache.set(keyOf('a'), audio(1))
    await cache.close()
    expect(existsSync(pathOf(keyOf('a')))).toBe(true)
    await write
    expect(await cache.get(keyOf('a'))).toBeUndefined()
    expect(cache.writable()).toBe(false)
  })
})
