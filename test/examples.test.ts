/**
 * The examples run as a reader would run them, against the real service.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { probeAudio } from './support/ffprobe.ts'
import { startService, type RunningService } from './support/service.ts'

let svc: RunningService

beforeAll(async () => {
  svc = await startService()
})
afterAll(async () => {
  await svc.stop()
}, 30_000)

test('examples/stream-client.ts streams text and saves playable audio', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'example-')), 'speech.wav')
  const run = Bun.spawn(
    [process.execPath, join(import.meta.dir, '..', 'examples', 'stream-client.ts'), '--url', svc.url.replace(/^http/, 'ws'), '--out', out, 'Hello from the example. It streams.'],
    { stdout: 'pipe', stderr: 'pipe' },
  )
  const output = await new Response(run.stdout).text()
  expect(await run.exited).toBe(0)
  expect(output).toMatch(/trace [0-9a-f]{32}/)
  const audio = await probeAudio(new Uint8Array(await Bun.file(out).arrayBuffer()), 'wav')
  expect(audio).toMatchObject({ codec: 'pcm_s16le', sampleRate: 24000, channels: 1 })
  expect(audio.decodedSeconds).toBeGreaterThan(1.5)
})
