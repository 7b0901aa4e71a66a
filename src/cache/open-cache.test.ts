import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AudioCache } from './cache.ts'
import { openAudioCache } from './open-cache.ts'

let opened: AudioCache | undefined
let dir: string | undefined
afterEach(async () => {
  await opened?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('openAudioCache', () => {
  test('filesystem by default', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tts-open-cache-'))
    opened = await openAudioCache({ dir, maxBytes: 1 << 20 })
    expect(opened.kind).toBe('fs')
    expect(opened.writable()).toBe(true)
  })

  test('Redis behind the local tier when a URL is given; with nothing listening, the local tier still works', async () => {
    const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
    const port = listener.port
    listener.stop(true)
    dir = await mkdtemp(join(tmpdir(), 'tts-open-cache-'))
    opened = await openAudioCache({ dir, redisUrl: `redis://127.0.0.1:${port}` })
    expect(opened.kind).toBe('redis')
    expect(await opened.get('k')).toBeUndefined()
    const value = { body: new Uint8Array([1, 2, 3]), contentType: 'audio/wav', meta: {} }
    await opened.set('k', value)
    expect(opened.writable()).toBe(true)
    expect((await opened.get('k'))?.body).toEqual(value.body)
  })
})
