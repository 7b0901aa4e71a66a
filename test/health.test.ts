/**
 * Liveness and readiness as a load balancer sees them, including a cache that cannot be
 * written (a real failure: the cache path is a regular file, which stops root too).
 */
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startService, type RunningService } from './support/service.ts'

const running: RunningService[] = []
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()))
}, 30_000)

test('a started service is alive and ready, with its engine warmed and its cache writable', async () => {
  const svc = await startService()
  running.push(svc)
  const health = await fetch(`${svc.url}/healthz`)
  expect(health.status).toBe(200)
  expect(await health.json()).toMatchObject({ status: 'ok', version: expect.any(String) })
  const ready = await fetch(`${svc.url}/readyz`)
  expect(ready.status).toBe(200)
  expect(await ready.json()).toEqual({ status: 'ready', checks: { accepting: true, engine: true, cache: true } })
})

test('an unwritable cache makes the service not ready, yet speech is still served', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tts-not-a-dir-')), 'cache')
  writeFileSync(file, 'this is a file, not a directory')
  const svc = await startService({ TTS_CACHE_DIR: file })
  running.push(svc)
  const ready = await fetch(`${svc.url}/readyz`)
  expect(ready.status).toBe(503)
  expect(await ready.json()).toMatchObject({ status: 'not_ready', checks: { cache: false, engine: true } })
  const speech = await fetch(`${svc.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'Still speaking.', response_format: 'wav' }),
  })
  expect(speech.status).toBe(200)
  expect((await speech.arrayBuffer()).byteLength).toBeGreaterThan(10_000)
})
