import { afterAll, describe, expect, test } from 'bun:test'
import { context, trace, TraceFlags } from '@opentelemetry/api'
import { loadConfig } from '../config.ts'
import { createLogShipper } from './log-shipping.ts'
import { installContext } from './tracing.ts'

type KeyValue = { key: string; value: Record<string, unknown> }
type Record_ = { timeUnixNano: string; severityNumber: number; severityText: string; body: { stringValue: string }; attributes: KeyValue[]; traceId?: string; spanId?: string }
type Body = { resourceLogs: { resource: { attributes: KeyValue[] }; scopeLogs: { scope: { name: string }; logRecords: Record_[] }[] }[] }

// A local OTLP/HTTP receiver: the shipper sends real requests, as to the collector.
const bodies: Body[] = []
const receiver = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  async fetch(req) {
    bodies.push((await req.json()) as Body)
    return Response.json({})
  },
})
afterAll(() => receiver.stop(true))

const shipperFor = (env: Record<string, string> = {}, onDropped?: (n: number) => void) =>
  createLogShipper(
    loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`, OTEL_BLRP_SCHEDULE_DELAY: '60000', ...env }),
    undefined,
    (_, n) => onDropped?.(n),
  )!
const records = () => bodies.flatMap((b) => b.resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords)))
const attrs = (r: Record_) => Object.fromEntries(r.attributes.map((a) => [a.key, Object.values(a.value)[0]]))

describe('createLogShipper', () => {
  test('ships each line whole, with its severity, trace context, time and filterable fields', async () => {
    installContext()
    bodies.length = 0
    const shipper = shipperFor({ OTEL_SERVICE_NAME: 'shipper-test' })
    const spanContext = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED }
    const line = '{"level":50,"request_id":"req-7","msg":"request failed"}\n'
    const before = Date.now()
    context.with(trace.setSpanContext(context.active(), spanContext), () =>
      shipper.ship(line, 50, { route: '/v1/audio/speech', status: 500, trace_kept: true, text: 'never an attribute' }),
    )
    shipper.ship('{"level":30,"msg":"outside any trace"}\n', 30, undefined)
    await shipper.forceFlush()
    expect(bodies).toHaveLength(1)
    const resource = attrs(bodies[0]!.resourceLogs[0]!.resource as unknown as Record_)
    expect(resource['service.name']).toBe('shipper-test')
    const [failed, plain] = records()
    expect(failed!.body.stringValue).toBe(line.trimEnd())
    expect([failed!.severityNumber, failed!.severityText]).toEqual([17, 'ERROR'])
    expect([failed!.traceId, failed!.spanId]).toEqual([spanContext.traceId, spanContext.spanId])
    expect(attrs(failed!)).toEqual({ request_id: 'req-7', route: '/v1/audio/speech', status: '500', trace_kept: true })
    const at = Number(BigInt(failed!.timeUnixNano) / 1_000_000n)
    expect(at).toBeGreaterThanOrEqual(before)
    expect(at).toBeLessThanOrEqual(Date.now())
    expect(plain!.traceId).toBeUndefined()
    expect(plain!.severityText).toBe('INFO')
    await shipper.shutdown()
  })

  test('takes request and session ids from the serialised line only when plain and bounded', async () => {
    bodies.length = 0
    const shipper = shipperFor()
    shipper.ship('{"request_id":"r-1","session_id":"s-2","msg":"x"}', 30, undefined)
    shipper.ship('{"request_id":"has\\"quote","msg":"x"}', 30, undefined)
    shipper.ship(`{"request_id":"${'x'.repeat(129)}","msg":"x"}`, 30, undefined)
    shipper.ship('{"request_id":"","msg":"x","request_id":"second"}', 30, undefined)
    // Given the whole line's object, ids come from it (the same rule), and the line is not read.
    shipper.ship('{"request_id":"in-the-line"}', 30, { request_id: 'r-9', route: '/x' }, undefined, true)
    shipper.ship('{"request_id":"in-the-line"}', 30, { request_id: 'bad"id', route: '/y' }, undefined, true)
    await shipper.forceFlush()
    expect(records().map(attrs)).toEqual([
      { request_id: 'r-1', session_id: 's-2' },
      {},
      {},
      { request_id: 'second' },
      { request_id: 'r-9', route: '/x' },
      { route: '/y' },
    ])
    await shipper.shutdown()
  })

  test('a full batch leaves at once, and lines shipped after shutdown are dropped and counted', async () => {
    bodies.length = 0
    let dropped = 0
    const shipper = shipperFor({ OTEL_BLRP_MAX_QUEUE_SIZE: '3' }, (n) => (dropped += n))
    // A batch is min(512, queue size) = 3: the first three leave at once, so the queue never fills.
    for (let i = 0; i < 5; i++) shipper.ship(`{"n":${i}}`, 30, undefined)
    await shipper.forceFlush()
    expect(records().map((r) => r.body.stringValue)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}'])
    expect(dropped).toBe(0)
    await shipper.shutdown()
    shipper.ship('{"after":"shutdown"}', 30, undefined)
    expect(dropped).toBe(1)
  })
})
