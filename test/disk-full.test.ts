/**
 * The cache directory fills up (a real 64 KiB tmpfs): requests are still answered in full,
 * the failed writes are counted, and readiness says the cache is not writable.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startService, type RunningService } from './support/service.ts'
import { metricValue } from './support/metrics.ts'

const dir = mkdtempSync(join(tmpdir(), 'tts-full-disk-'))
const mounted = Bun.spawnSync(['mount', '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).exitCode === 0
let svc: RunningService

beforeAll(async () => {
  if (mounted) svc = await startService({ TTS_CACHE_DIR: dir })
})
afterAll(async () => {
  await svc?.stop()
  if (mounted) Bun.spawnSync(['umount', dir])
}, 30_000)

// Mounting needs root (CI runs as root); elsewhere the reason is printed in the test name.
test.skipIf(!mounted)('a full cache disk costs caching, not answers (skipped when tmpfs cannot be mounted)', async () => {
  const metric = (series: string) => metricValue(svc.url, series)
  const res = await fetch(`${svc.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'This answer is far larger than the tiny cache disk can hold, so storing it must fail.', response_format: 'wav' }),
  })
  expect(res.status).toBe(200)
  expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100_000)
  await svc.waitForLog((l) => l.msg === 'cache operation failed' && l.op === 'set')
  expect(await metric('tts_cache_errors_total{op="set"}')).toBeGreaterThan(0)
  const ready = await fetch(`${svc.url}/readyz`)
  expect(ready.status).toBe(503)
  expect(await ready.json()).toMatchObject({ checks: { cache: false, engine: true } })
})
