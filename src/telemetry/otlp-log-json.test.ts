import { describe, expect, test } from 'bun:test'
import { TraceFlags, type HrTime } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { resourceFromAttributes } from '@opentelemetry/resources'
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs'
import { encodeLogRecords } from './otlp-json.ts'
import { logRecordJson, logsRequestJson, type ShippedRecord } from './otlp-log-json.ts'

// encodeLogRecords is checked against the official OTLP exporter (otlp-json.test.ts); the
// per-record encoder must write the very same JSON for the same records.
const resource = resourceFromAttributes({ 'service.name': 'tts-edge', 'service.instance.id': 'replica-1', 'host.cpus': 2 })
const scope = { name: 'tts-edge' }
const time: HrTime = [1_764_400_000, 123_000_000]

const shipped: ShippedRecord[] = [
  {
    time,
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: '{"level":30,"msg":"request completed","note":"quotes \\" and \\\\ and \u00e9 and \u2028"}',
    attributes: { request_id: 'req-1', route: '/v1/audio/speech', status: 200, duration_ms: 1.5, trace_kept: false },
    span: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED },
  },
  { time: [1_764_400_001, 5], severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'plain', attributes: {}, span: undefined },
  {
    time,
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
    body: 'x',
    attributes: { status: 2 ** 60 },
    span: { traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceFlags: 0 },
  },
]

/** The same records as the SDK would hand encodeLogRecords. */
const readable = (r: ShippedRecord): ReadableLogRecord => ({
  hrTime: r.time,
  hrTimeObserved: r.time,
  ...(r.span && r.span.traceId !== '00000000000000000000000000000000' && { spanContext: r.span }),
  severityNumber: r.severityNumber,
  severityText: r.severityText,
  body: r.body,
  resource,
  instrumentationScope: scope,
  attributes: r.attributes,
  droppedAttributesCount: 0,
})

describe('logRecordJson', () => {
  test('writes exactly the JSON encodeLogRecords writes for the same records', () => {
    const ours = logsRequestJson(resource, scope, shipped.map(logRecordJson))
    expect(ours).toBe(encodeLogRecords(shipped.map(readable)))
  })

  test('a batch of one record is valid JSON with the line as its string body', () => {
    const body = JSON.parse(logsRequestJson(resource, scope, [logRecordJson(shipped[0]!)]))
    expect(body.resourceLogs[0].scopeLogs[0].logRecords[0].body.stringValue).toBe(shipped[0]!.body)
  })
})
