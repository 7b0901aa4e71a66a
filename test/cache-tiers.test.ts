/**
 * The memory tier in front of the disk, seen from outside: after a restart the first
 * request is served from disk, later ones from memory (the disk's copy can be gone by then), and
 * both answers are the very bytes and headers of the original synthesis.
 */
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitUntil } from './support/wait.ts'
import { startService, type RunningService } from './support/service.ts'

const dir = mkdtempSync(join(tmpdir(), 'tts-cache-tiers-'))
const running: RunningService[] = []
afterAll(async () => {
  await Promise.all(running.map((svc) => svc.stop()))
  rmSync(dir, { recursive: true, force: true })
}, 30_000)

const start = async (env: Record<string, string> = {}) => {
  const svc = await startService({ TTS_CACHE_DIR: dir, ...env })
  running.push(svc)
  return svc
}
const TEXT = 'Served from memory, byte for byte.'
const speak = async (svc: RunningService, format: string) => {
  const res = await fetch(`${svc.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: TEXT, response_format: format }),
  })
  expect(res.status).toBe(200)
  return { body: new Uint8Array(await res.arrayBuffer()), headers: stableHeaders(res.headers), contentLength: res.headers.get('content-length') }
}
/** Headers that are the same for every answer of one request (not ids, dates, timings or framing). */
const PER_ANSWER = ['x-request-id', 'traceresponse', 'server-timing', 'date', 'content-length', 'transfer-encoding']
const stableHeaders = (headers: Headers) => Object.fromEntries([...headers].filter(([name]) => !PER_ANSWER.includes(name)))
const segmentFiles = () => readdirSync(dir).filter((name) => name.endsWith('.seg')).map((name) => join(dir, name))
const bytesOnDisk = () => segmentFiles().reduce((sum, path) => sum + statSync(path).size, 0)

test('a hit from memory is byte-identical to the disk hit and the original, with the same headers', async () => {
  const first = await start()
  const created = await speak(first, 'mp3')
  expect(created.headers['x-cache']).toBe('MISS')
  // The cache write lands just after the answer has left.
  await waitUntil(() => bytesOnDisk() > created.body.length, 10_000, 'the entry on disk')
  expect(await first.stop()).toBe(0)

  const second = await start()
  const fromDisk = await speak(second, 'mp3')
  // With the copy on disk destroyed, only the memory tier can still answer.
  for (const path of segmentFiles()) truncateSync(path, 0)
  const fromMemory = await speak(second, 'mp3')
  expect(fromDisk.headers['x-cache']).toBe('HIT')
  expect(fromMemory.headers).toEqual(fromDisk.headers)
  // A hit is sent whole (the synthesis streamed): its length is known up front.
  expect(Number(fromMemory.contentLength)).toBe(created.body.length)
  // Only the synthesis is billed: its character-cost is the text's length, a hit's is 0.
  expect(fromDisk.headers['character-cost']).toBe('0')
  expect(created.headers).toEqual({ ...fromDisk.headers, 'x-cache': 'MISS', 'character-cost': String(TEXT.length) })
  expect(Buffer.from(fromDisk.body).equals(Buffer.from(created.body))).toBe(true)
  expect(Buffer.from(fromMemory.body).equals(Buffer.from(created.body))).toBe(true)
}, 90_000)
