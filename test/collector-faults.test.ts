/**
 * The collector is down or hanging: requests are unaffected, the export queues stay
 * bounded, and what telemetry is lost is counted in tts_telemetry_dropped_total.
 */
import { afterAll, expect, test } from 'bun:test'
import { startService, type RunningService } from './support/service.ts'
import { metricValue } from './support/metrics.ts'
import { waitUntil } from './support/wait.ts'

const running: RunningService[] = []
const listeners: { stop(force?: boolean): void }[] = []
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()))
  for (const l of listeners) l.stop(true)
}, 30_000)

const dropped = (svc: RunningService, signal: string) => metricValue(svc.url, `tts_telemetry_dropped_total{signal="${signal}"}`)

async function traffic(svc: RunningService, n: number) {
  const statuses = []
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${svc.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'Telemetry trouble.', response_format: 'pcm' }),
    })
    await res.arrayBuffer()
    statuses.push(res.status)
  }
  return statuses
}

test('a collector that accepts connections but never answers: requests succeed, drops are counted', async () => {
  // A TCP listener that takes the export requests and never replies.
  const hanging = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  listeners.push(hanging)
  const svc = await startService({
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${hanging.port}`,
    OTEL_EXPORTER_OTLP_TIMEOUT: '500',
    OTEL_BSP_MAX_QUEUE_SIZE: '16',
    OTEL_BLRP_MAX_QUEUE_SIZE: '16',
  })
  running.push(svc)
  const statuses = await traffic(svc, 60)
  expect(statuses.every((s) => s === 200)).toBe(true)
  await waitUntil(async () => (await dropped(svc, 'traces')) > 0 && (await dropped(svc, 'logs')) > 0, 15_000, 'drops to be counted')
  expect((await fetch(`${svc.url}/readyz`)).status).toBe(200)
})

test('a collector that is not there at all: requests succeed, failed exports are counted', async () => {
  const closed = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = closed.port
  closed.stop(true)
  const svc = await startService({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_TIMEOUT: '500' })
  running.push(svc)
  expect((await traffic(svc, 10)).every((s) => s === 200)).toBe(true)
  await waitUntil(async () => (await dropped(svc, 'traces')) > 0, 15_000, 'failed exports to be counted')
})
