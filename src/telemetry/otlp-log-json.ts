/**
 * OTLP/JSON log records encoded one by one, as each line is shipped, into the same JSON
 * text encodeLogRecords (otlp-json.ts) writes for a batch: no record objects, attribute
 * trees or batch-wide object graph, just the line escaped once into its `stringValue`
 * and a few bounded attributes. Batches are the fragments joined inside an envelope
 * whose resource and scope are encoded once.
 */
import { isSpanContextValid, type HrTime, type SpanContext } from '@opentelemetry/api'
import type { Resource } from '@opentelemetry/resources'
import { anyValue, nanos, resourceOf, scopeOf, type Scope } from './otlp-json.ts'

export interface ShippedRecord {
  time: HrTime
  severityNumber: number
  severityText: string
  body: string
  attributes: Record<string, string | number | boolean>
  span: SpanContext | undefined
}

/**
 * One `LogRecord` as JSON, exactly what encodeLogRecords writes for the same record.
 *
 * @example
 * logRecordJson({ time: [1764400000, 0], severityNumber: 9, severityText: 'INFO', body: '{"msg":"hi"}', attributes: {}, span: undefined })
 */
export function logRecordJson(r: ShippedRecord): string {
  const time = nanos(r.time)
  let attributes = ''
  for (const key in r.attributes) {
    attributes += `${attributes ? ',' : ''}{"key":${JSON.stringify(key)},"value":${JSON.stringify(anyValue(r.attributes[key]))}}`
  }
  let json = `{"timeUnixNano":"${time}","observedTimeUnixNano":"${time}","severityNumber":${r.severityNumber},"severityText":${JSON.stringify(r.severityText)},"body":{"stringValue":${JSON.stringify(r.body)}},"attributes":[${attributes}],"droppedAttributesCount":0`
  const span = r.span
  if (span && isSpanContextValid(span)) json += `,"flags":${span.traceFlags},"traceId":"${span.traceId}","spanId":"${span.spanId}"`
  return `${json}}`
}

/**
 * The body of an `ExportLogsServiceRequest` holding `records` (from logRecordJson), all of
 * one resource and scope.
 *
 * @example
 * await fetch(url, { method: 'POST', body: logsRequestJson(resource, { name: 'tts-edge' }, [logRecordJson(record)]) })
 */
export function logsRequestJson(resource: Resource, scope: Scope, records: readonly string[]): string {
  const scopeSchema = scope.schemaUrl ? `,"schemaUrl":${JSON.stringify(scope.schemaUrl)}` : ''
  const scopeLogs = `{"scope":${JSON.stringify(scopeOf(scope))},"logRecords":[${records.join(',')}]${scopeSchema}}`
  const schemaUrl = resource.schemaUrl ? `,"schemaUrl":${JSON.stringify(resource.schemaUrl)}` : ''
  return `{"resourceLogs":[{"resource":${JSON.stringify(resourceOf(resource))},"scopeLogs":[${scopeLogs}]${schemaUrl}}]}`
}
