/**
 * OTLP protobuf for log records (opentelemetry-proto v1 logs.proto, `LogRecord`), with the
 * same content otlp-json.ts sends: a collector decodes the same data from either.
 *
 * A record is written straight into its batch's buffer (otlp-record-batch.ts): a pino line is
 * its body as UTF-8 bytes, with no second JSON escaping and no SDK record object.
 */
import type { HrTime, SpanContext } from '@opentelemetry/api'
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs'
import { writeAnyValue, writeKeyValues } from './otlp-proto-common.ts'
import { encodeEnvelope } from './otlp-proto-envelope.ts'
import type { ProtoWriter } from './otlp-proto-writer.ts'

/** What a log record is made of; a ReadableLogRecord is one. */
export interface LogRecordParts {
  hrTime: HrTime
  hrTimeObserved: HrTime
  severityNumber?: number
  severityText?: string
  body?: unknown
  eventName?: string
  attributes: Record<string, unknown>
  droppedAttributesCount?: number
  spanContext?: SpanContext
}

/**
 * Writes `record` as a `LogRecord` in field 2 of the ScopeLogs being written.
 *
 * @example
 * writeLogRecord(w, { hrTime, hrTimeObserved: hrTime, severityNumber: 9, severityText: 'INFO', body: line, attributes: {} })
 */
export function writeLogRecord(w: ProtoWriter, record: LogRecordParts): void {
  // Most records are a log line of a few hundred bytes: two bytes for their length.
  const start = w.fork(2, 2)
  w.tag(1, 1)
  w.nanos(record.hrTime[0], record.hrTime[1])
  if (record.severityNumber) {
    w.tag(2, 0)
    w.varint(record.severityNumber)
  }
  if (record.severityText) w.string(3, record.severityText)
  const body = record.body
  if (typeof body === 'string') {
    const value = w.fork(5, 2)
    w.string(1, body)
    w.join(value, 2)
  } else if (body !== undefined) writeAnyValue(w, 5, body)
  writeKeyValues(w, 6, record.attributes)
  if (record.droppedAttributesCount) {
    w.tag(7, 0)
    w.varint(record.droppedAttributesCount)
  }
  const ctx = record.spanContext
  if (ctx) {
    w.tag(8, 5)
    w.fixed32(ctx.traceFlags)
    w.hexBytes(9, ctx.traceId)
    w.hexBytes(10, ctx.spanId)
  }
  w.tag(11, 1)
  w.nanos(record.hrTimeObserved[0], record.hrTimeObserved[1])
  if (record.eventName) w.string(12, record.eventName)
  w.join(start, 2)
}

/**
 * The body of an OTLP/HTTP protobuf `ExportLogsServiceRequest` for `logs`.
 *
 * @example
 * await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeLogRecordsProto(logs) })
 */
export function encodeLogRecordsProto(logs: readonly ReadableLogRecord[]): Uint8Array<ArrayBuffer> {
  // Log scopes are stable objects in sdk-logs, so identity groups them (as otlp-json.ts does).
  return encodeEnvelope(logs, (scope) => scope, writeLogRecord)
}
