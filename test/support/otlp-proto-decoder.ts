/**
 * OTLP protobuf decoding for tests, by protobufjs from the vendored opentelemetry-proto files
 * (./otlp-proto, tag v1.9.0): an independent reading of what our encoder writes. Messages come
 * out in the shape of the OTLP/JSON mapping (lowerCamelCase keys, ids as hex, 64-bit integers
 * as decimal strings), so tests and the receiver handle both encodings alike.
 */
import { join } from 'node:path'
import protobuf from 'protobufjs'

const root = new protobuf.Root()
root.resolvePath = (_origin, target) => join(import.meta.dir, 'otlp-proto', target)
root.loadSync(['opentelemetry/proto/collector/logs/v1/logs_service.proto', 'opentelemetry/proto/collector/trace/v1/trace_service.proto'])

const REQUESTS = {
  traces: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
  logs: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
}
const RESPONSES = {
  traces: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
  logs: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse'),
}
const ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId'])

/** Ids from base64 to hex, as the JSON mapping of OTLP spells them; other bytes stay base64. */
function hexIds(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => hexIds(v))
  if (typeof value === 'string') return ID_KEYS.has(key) ? Buffer.from(value, 'base64').toString('hex') : value
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = hexIds(v, k)
  return out
}

/**
 * An export request's body as the OTLP/JSON object a collector would see. Throws on bytes
 * that are not a valid message.
 *
 * @example
 * decodeOtlpProto('logs', body).resourceLogs[0].scopeLogs[0].logRecords
 */
export function decodeOtlpProto(signal: 'traces' | 'logs', bytes: Uint8Array): Record<string, any> {
  const message = REQUESTS[signal].decode(bytes)
  return hexIds(REQUESTS[signal].toObject(message, { longs: String, enums: Number, bytes: String })) as Record<string, any>
}

/** A collector's protobuf answer, with `rejected` items in a partial success when above 0. */
export function encodeOtlpProtoResponse(signal: 'traces' | 'logs', rejected: number, errorMessage = ''): Uint8Array {
  const key = signal === 'traces' ? 'rejectedSpans' : 'rejectedLogRecords'
  const body = rejected > 0 || errorMessage ? { partialSuccess: { [key]: rejected, errorMessage } } : {}
  return RESPONSES[signal].encode(RESPONSES[signal].fromObject(body)).finish()
}

const TIME_KEYS = new Set(['startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano', 'observedTimeUnixNano'])
// An AnyValue's one field is there even when it holds the default (`intValue: 0` is not "no value").
const VALUE_KEYS = new Set(['stringValue', 'boolValue', 'intValue', 'doubleValue', 'bytesValue', 'arrayValue', 'kvlistValue'])

/**
 * A decoded OTLP message (from protobuf or JSON) in one comparable form: what protobuf does
 * not tell apart is made equal (a proto3 field at its default and an absent one; 64-bit
 * integers as numbers or strings; an empty trace state, status or body), and the schemaUrl
 * the SDK also copies into the Resource message, which has no such field, is left out.
 *
 * @example
 * expect(comparable(decodeOtlpProto('logs', ours))).toEqual(comparable(JSON.parse(json)))
 */
export function comparable(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => comparable(v, '[]'))
  if (value === null || typeof value !== 'object') {
    if (key === 'intValue') return String(BigInt(value as string | number))
    if (TIME_KEYS.has(key)) return String(value)
    return value
  }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null || (key === 'resource' && k === 'schemaUrl')) continue
    const c = comparable(v, k)
    if (!VALUE_KEYS.has(k)) {
      if (c === 0 || c === '0' || c === '' || c === false) continue
      if (Array.isArray(c) && c.length === 0) continue
      if (k !== 'value' && c !== null && typeof c === 'object' && !Array.isArray(c) && Object.keys(c).length === 0) continue
    }
    out[k] = c
  }
  return out
}
