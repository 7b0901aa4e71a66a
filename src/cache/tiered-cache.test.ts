import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { readdirSync } from 'node:fs'
import { chmod, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AudioCache, CachedAudio, CacheOp } from './cache.ts'
import { cacheKey } from './cache-key.ts'
import { FsCache } from './fs-cache.ts'
import { MemoryCache } from './memory-cache.ts'
import { openAudioCache } from './open-cache.ts'
import { CorruptRecordError } from './record-codec.ts'
import { TieredCache } from './tiered-cache.ts'

const keyOf = (text: string) => cacheKey({ engine: 'espeak', model: 'tts-1', voice: 'v', format: 'mp3', speed: 1, text })
const audio = (fill: number, length = 1000): CachedAudio => ({
  body: new Uint8Array(length).fill(fill),
  contentType: 'audio/mpeg',
  meta: { durationS: 1.5, sampleRate: 24000 },
})

let root: string
let dir: string
let errors: { op: CacheOp; err: unknown }[]
const onError = (op: CacheOp, err: unknown) => errors.push({ op, err })
const segmentFiles = () => readdirSync(dir).filter((name) => name.endsWith('.seg')).map((name) => join(dir, name))
/** Every copy on disk destroyed: open descriptors then read nothing. */
const destroySegments = () => Promise.all(segmentFiles().map((path) => truncate(path, 0)))
const opened: AudioCache[] = []
/** The configured stack: a memory tier in front of the filesystem under `dir`. */
const open = async (memoryBytes = 1 << 20) => {
  const cache = await openAudioCache({ dir, maxBytes: 1 << 20, memoryBytes, onError })
  opened.push(cache)
  return cache
}

beforeEach(async () => {
  root = dir = await mkdtemp(join(tmpdir(), 'tts-tiered-cache-'))
  errors = []
})
afterEach(async () => {
  await Promise.all(opened.splice(0).map((cache) => cache.close()))
  await chmod(root, 0o755).catch(() => {})
  await rm(root, { recursive: true, force: true })
})

describe('memory tier in front of the filesystem', () => {
  test('an entry read from disk is verified once, then served from memory without touching the disk', async () => {
    await (await open()).set(keyOf('a'), audio(7))
    const restarted = await open()
    expect((await restarted.get(keyOf('a')))?.body).toEqual(audio(7).body)
    // Damage on disk after the load is not seen again: hits no longer read (or re-check) the file.
    await destroySegments()
    const hit = await restarted.get(keyOf('a'))
    expect(hit?.body).toEqual(audio(7).body)
    expect(hit?.contentType).toBe('audio/mpeg')
    expect(hit?.meta).toEqual({ durationS: 1.5, sampleRate: 24000 })
    expect(errors).toEqual([])
  })

  test('a corrupted record is detected once, on its first read, reported, and never served', async () => {
    const first = await open()
    await first.set(keyOf('a'), audio(7))
    await first.close()
    const [segment] = segmentFiles()
    const bytes = await readFile(segment!)
    bytes[bytes.length - 1]! ^= 0xff
    await writeFile(segment!, bytes)
    const restarted = await open()
    expect(await restarted.get(keyOf('a'))).toBeUndefined()
    expect(await restarted.get(keyOf('a'))).toBeUndefined()
    expect(errors.map((e) => e.op)).toEqual(['get'])
    expect(errors[0]!.err).toBeInstanceOf(CorruptRecordError)
  })

  test('a store goes to disk only; the first read brings it into memory', async () => {
    const memory = new MemoryCache({ maxBytes: 1 << 20 })
    const cache = new TieredCache(memory, await FsCache.open({ dir, maxBytes: 1 << 20 }), { front: true })
    opened.push(cache)
    await cache.set(keyOf('a'), audio(3))
    expect(memory.bytes()).toBe(0)
    expect((await (await open()).get(keyOf('a')))?.body).toEqual(audio(3).body)
    expect((await cache.get(keyOf('a')))?.body).toEqual(audio(3).body)
    expect((await memory.get(keyOf('a')))?.body).toEqual(audio(3).body)
  })

  test('kind, size and readiness are the filesystem tier’s: the memory copy is not extra data', async () => {
    const cache = await open()
    await cache.set(keyOf('a'), audio(1))
    const disk = await FsCache.open({ dir })
    opened.push(disk)
    expect(cache.kind).toBe('fs')
    expect(cache.bytes()).toBe(disk.bytes())
    expect(cache.writable()).toBe(true)
  })

  test('a full or read-only disk still shows as not writable, while memory keeps serving', async () => {
    if (process.getuid?.() === 0) {
      // root ignores file modes; a file where the directory should be fails for everyone.
      await writeFile(join(dir, 'blocked'), '')
      dir = join(dir, 'blocked')
    } else {
      await chmod(dir, 0o555)
    }
    const cache = await open()
    await cache.set(keyOf('a'), audio(4))
    expect(cache.writable()).toBe(false)
    expect((await cache.get(keyOf('a')))?.body).toEqual(audio(4).body)
  })

  test('0 bytes means no memory tier: the filesystem cache itself', async () => {
    expect(await open(0)).toBeInstanceOf(FsCache)
    expect(await openAudioCache({ dir, maxBytes: 0, memoryBytes: 1 << 20 }).then((c) => (opened.push(c), c))).toBeInstanceOf(FsCache)
  })

  test('entries past the memory cap are evicted from memory only, least recently read first', async () => {
    // Room for two entries: each is held as bytes and as a Blob.
    const memory = new MemoryCache({ maxBytes: 4000 })
    const disk = await FsCache.open({ dir, maxBytes: 1 << 20 })
    const cache = new TieredCache(memory, disk, { front: true })
    opened.push(cache)
    for (const text of ['a', 'b', 'c']) await cache.set(keyOf(text), audio(text.charCodeAt(0)))
    for (const text of ['a', 'b', 'c']) await cache.get(keyOf(text))
    expect(memory.bytes()).toBe(4000)
    expect(await memory.get(keyOf('a'))).toBeUndefined()
    // Still on disk, and read back into memory (evicting the least recently read, b).
    expect((await cache.get(keyOf('a')))?.body).toEqual(audio(97).body)
    expect(await memory.get(keyOf('b'))).toBeUndefined()
    expect(await memory.get(keyOf('a'))).toBeDefined()
  })
})
