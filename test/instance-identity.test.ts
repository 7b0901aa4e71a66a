/**
 * Replicas can be told apart: `service.instance.id` (here set through
 * OTEL_RESOURCE_ATTRIBUTES, as a pod's name would be) is on its spans, its log lines and its
 * metrics (`target_info`), so traces, logs and panels split per replica.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { metricValue } from './support/metrics.ts'
import { OtlpReceiver } from './support/otlp-receiver.ts'
import { startService, type RunningService } from './support/service.ts'

const INSTANCE = `tts-edge-7d9f-${crypto.randomUUID().slice(0, 5)}`
let receiver: OtlpReceiver
let svc: RunningService
beforeAll(async () => {
  receiver = new OtlpReceiver()
  svc = await startService({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${INSTANCE},deployment.environment=test`,
  })
  const res = await fetch(`${svc.url}/v1/models`, { headers: { 'x-request-id': 'identity-1' } })
  await res.arrayBuffer()
})
afterAll(async () => {
  await svc?.stop()
  receiver?.stop()
})

test('spans carry service.instance.id from OTEL_RESOURCE_ATTRIBUTES', async () => {
  await receiver.waitFor(() => receiver.spans.some((s) => s.attributes['request.id'] === 'identity-1'))
  const span = receiver.spans.find((s) => s.attributes['request.id'] === 'identity-1')!
  expect(span.resource['service.instance.id']).toBe(INSTANCE)
  expect(span.resource['deployment.environment']).toBe('test')
})

test('log lines carry the replica as service_instance_id', async () => {
  const line = await svc.waitForLog((l) => l.request_id === 'identity-1')
  expect(line.service_instance_id).toBe(INSTANCE)
  await receiver.waitFor(() => receiver.logs.some((l) => l.resource['service.instance.id'] === INSTANCE))
})

test('metrics carry the replica in target_info, joinable on the scrape instance', async () => {
  const { version } = await (await fetch(`${svc.url}/healthz`)).json()
  expect(await metricValue(svc.url, `target_info{service_name="tts-edge",service_instance_id="${INSTANCE}",service_version="${version}"}`)).toBe(1)
})
