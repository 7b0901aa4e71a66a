/**
 * Log lines shipped over OTLP/HTTP protobuf, each encoded into its batch as it is shipped:
 * what a collector decodes, and the batch processor's promises kept (bounded queue with
 * counted drops, batch size, schedule delay, flush and shutdown delivering what was
 * accepted, retries). A local collector decodes with protobufjs; waits are on its requests.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { TraceFlags } from '@opentelemetry/api'
import { loadConfig } from '../config.ts'
import { otlpCollector, stopCollectors } from '../../test/support/otlp-collector.ts'
import { comparable } from '../../test/support/otlp-proto-decoder.ts'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { OtlpRecordBatch } from './otlp-record-batch.ts'
import { createLogShipper } from './log-shipping.ts'
import { createLogExporter } from './otlp-exporter.ts'
import { resourceField, scopeField } from './otlp-proto-common.ts'
import { writeLogRecord } from './otlp-proto-logs.ts'
import type { ProtoWriter } from './otlp-proto-writer.ts'

afterEach(stopCollectors)

const collector = (respond?: Parameters<typeof otlpCollector>[1]) => otlpCollector('logs', respond)

function shipperFor(endpoint: string, env: Record<string, string> = {}) {
  const dropped: number[] = []
  const shipper = createLogShipper(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'batch-test', ...env }), undefined, (signal, n) => {
    if (signal === 'logs') dropped.push(n)
  })!
  return { shipper, dropped: () => dropped.reduce((a, b) => a + b, 0) }
}

const span = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED }
const line = (i: number) => `{"level":30,"time":${1_700_000_000_000 + i},"request_id":"r-${i}","msg":"line ${i}"}\n`

describe('log records over OTLP/HTTP protobuf', () => {
  test('decode to what the http/json protocol sends for the same lines', async () => {
    const c = collector()
    const proto = shipperFor(c.endpoint)
    const json = shipperFor(c.endpoint, { OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json' })
    for (const { shipper } of [proto, json]) {
      const whole = { level: 50, time: 1_700_000_000_123.5, request_id: 'r-1', route: '/v1/audio/speech', status: 500, duration_ms: 1.25, trace_kept: true }
      shipper.ship(`${JSON.stringify(whole)}\n`, 50, whole, span, true)
      shipper.ship('{"level":30,"time":1700000000999,"session_id":"s-2","msg":"é ✓ 😀 \\"quoted\\""}\n', 30, { time: 1_700_000_000_999, voice: 'af' }, span, true)
      shipper.ship('{"level":40,"msg":"outside any trace"}', 40, undefined)
      await shipper.shutdown()
    }
    expect(c.requests.map((r) => r.contentType)).toEqual(['application/x-protobuf', 'application/json'])
    // The third line's time is the moment it was shipped: compare the rest.
    const [ours, theirs] = c.requests.map((r) => comparable(r.body) as any)
    for (const body of [ours, theirs]) {
      const third = body.resourceLogs[0].scopeLogs[0].logRecords[2]
      expect(third.timeUnixNano).toBe(third.observedTimeUnixNano)
      delete third.timeUnixNano
      delete third.observedTimeUnixNano
    }
    expect(ours).toEqual(theirs)
    const first = c.requests[0]!.items[0]!
    expect(first.timeUnixNano).toBe('1700000000123500000')
    expect(first.traceId).toBe(span.traceId)
    expect(c.requests[0]!.body.resourceLogs[0].resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'batch-test' } })
  })

  test('sends full batches of at most 512 records, and the rest on flush', async () => {
    const c = collector()
    const { shipper, dropped } = shipperFor(c.endpoint, { OTEL_BLRP_SCHEDULE_DELAY: '600000' })
    for (let i = 0; i < 1100; i++) shipper.ship(line(i), 30, undefined)
    await shipper.forceFlush()
    expect(c.requests.map((r) => r.items.length)).toEqual([512, 512, 76])
    expect(c.requests.flatMap((r) => r.items.map((l) => l.attributes[0].value.stringValue))).toEqual(Array.from({ length: 1100 }, (_, i) => `r-${i}`))
    expect(dropped()).toBe(0)
    await shipper.shutdown()
  })

  test('sends what waits once the schedule delay has passed, without a flush', async () => {
    const c = collector()
    const { shipper } = shipperFor(c.endpoint, { OTEL_BLRP_SCHEDULE_DELAY: '20' })
    shipper.ship(line(1), 30, undefined)
    await c.arrived(1)
    expect(c.requests[0]!.items).toHaveLength(1)
    await shipper.shutdown()
  })

  test('a full queue drops and counts records while one export is out; the accepted are delivered', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const c = collector((n) => (n === 1 ? { hold: held } : {}))
    const { shipper, dropped } = shipperFor(c.endpoint, { OTEL_BLRP_MAX_QUEUE_SIZE: '4', OTEL_BLRP_SCHEDULE_DELAY: '600000' })
    for (let i = 0; i < 4; i++) shipper.ship(line(i), 30, undefined) // a full batch: sent at once, held by the collector
    await c.arrived(1)
    for (let i = 4; i < 10; i++) shipper.ship(line(i), 30, undefined) // four queue up, two find the queue full
    expect(dropped()).toBe(2)
    release()
    await shipper.forceFlush()
    expect(c.requests.map((r) => r.items.length)).toEqual([4, 4])
    await shipper.shutdown()
  })

  test('retries a 503, and counts the batch dropped on a 400', async () => {
    const c = collector((n) => ({ status: n === 1 ? 503 : n === 3 ? 400 : 200 }))
    const { shipper, dropped } = shipperFor(c.endpoint)
    shipper.ship(line(1), 30, undefined)
    await shipper.forceFlush()
    expect(c.requests).toHaveLength(2) // the 503, then the same batch again
    expect(dropped()).toBe(0)
    shipper.ship(line(2), 30, undefined)
    shipper.ship(line(3), 30, undefined)
    await shipper.forceFlush()
    expect(dropped()).toBe(2)
    await shipper.shutdown()
  })

  test('shutdown delivers what was accepted, then counts later lines dropped', async () => {
    const c = collector()
    const { shipper, dropped } = shipperFor(c.endpoint, { OTEL_BLRP_SCHEDULE_DELAY: '600000' })
    shipper.ship(line(1), 30, undefined)
    shipper.ship(line(2), 30, undefined)
    await shipper.shutdown()
    expect(c.requests.map((r) => r.items.length)).toEqual([2])
    shipper.ship(line(3), 30, undefined)
    expect(dropped()).toBe(1)
  })

  test('a record that fails to encode is dropped and counted; the records around it arrive whole', async () => {
    const c = collector()
    const dropped: number[] = []
    const sender = createLogExporter({ url: `${c.endpoint}/v1/logs` })
    const batch = new OtlpRecordBatch({
      resource: resourceField(resourceFromAttributes({ 'service.name': 'batch-test' })),
      scope: scopeField({ name: 'tts-edge' }),
      maxQueueSize: 10,
      maxExportBatchSize: 10,
      scheduledDelayMillis: 600_000,
      send: (body, count, done) => sender.send(body, count, done),
      onDropped: (_, n) => dropped.push(n),
    })
    const record = (msg: string) => (w: ProtoWriter) =>
      writeLogRecord(w, { hrTime: [1_700_000_000, 0], hrTimeObserved: [1_700_000_000, 0], body: msg, attributes: {} })
    batch.add(record('before'))
    batch.add((w) => {
      record('half written')(w)
      throw new Error('cannot encode')
    })
    batch.add(record('after'))
    await batch.shutdown()
    await sender.shutdown()
    expect(dropped).toEqual([1])
    expect(c.requests[0]!.items.map((r) => r.body.stringValue)).toEqual(['before', 'after'])
  })
})
