/**
 * Our OTLP protobuf encoders read back by two independent parties: protobufjs loading the
 * opentelemetry-proto v1.9.0 files (against what our JSON encoder says of the same items),
 * and the OTel SDK's own protobuf serializers (@opentelemetry/otlp-transformer 0.219).
 */
import { describe, expect, test } from 'bun:test'
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { logRecords, spans } from '../../test/support/otlp-fixtures.ts'
import { comparable, decodeOtlpProto } from '../../test/support/otlp-proto-decoder.ts'
import { encodeLogRecords, encodeSpans } from './otlp-json.ts'
import { encodeLogRecordsProto } from './otlp-proto-logs.ts'
import { encodeSpansProto } from './otlp-proto-spans.ts'

describe('encodeSpansProto', () => {
  test('decodes (protobufjs, the .proto files) to what our JSON encoder sends for the same spans', () => {
    const input = spans()
    expect(comparable(decodeOtlpProto('traces', encodeSpansProto(input)))).toEqual(comparable(JSON.parse(encodeSpans(input))))
  })

  test("decodes to what the SDK's ProtobufTraceSerializer writes", () => {
    const input = spans()
    const official = ProtobufTraceSerializer.serializeRequest(input)!
    expect(comparable(decodeOtlpProto('traces', encodeSpansProto(input)))).toEqual(comparable(decodeOtlpProto('traces', official)))
  })

  test('writes ids as raw bytes, exact nanosecond times and the remote-parent flags', () => {
    const body = decodeOtlpProto('traces', encodeSpansProto(spans()))
    const server = body.resourceSpans[0].scopeSpans[0].spans.find((s: { kind: number }) => s.kind === 2)
    expect(server.traceId).toBe('0af7651916cd43dd8448eb211c80319c')
    expect(server.parentSpanId).toBe('b7ad6b7169203331')
    expect(server.startTimeUnixNano).toBe('1700000000000000005')
    expect(server.endTimeUnixNano).toBe('1700000001123456789')
    expect(server.flags).toBe(0x301)
    expect(server.traceState).toBe('vendor=opaque"value')
    const big = server.attributes.find((a: { key: string }) => a.key === 'big')
    expect(big.value).toEqual({ intValue: '1152921504606846976' })
  })

  test('keeps every number, string and nesting exact across the varint and length boundaries', () => {
    const values: Record<string, unknown> = {
      zero: 0, one27: 127, one28: 128, neg: -1, negBig: -(2 ** 53) + 1, maxSafe: 2 ** 53 - 1, int63: 2 ** 62, tooBig: 2 ** 70,
      half: 0.5, negHalf: -1e-300, nan: Number.NaN, inf: Infinity,
      empty: '', s42: 'x'.repeat(42), s43: 'x'.repeat(43), s128: 'y'.repeat(128), long: 'z'.repeat(70_000),
      multi: 'é✓😀'.repeat(50), lone: 'a\uD800b', list: [[1, ['deep']], { k: { kk: false } }], bytes: new Uint8Array([0, 255]),
    }
    const memory = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ r: 'é' }), spanProcessors: [new SimpleSpanProcessor(memory)] })
    const span = provider.getTracer('t').startSpan('values', { attributes: {} })
    for (const [k, v] of Object.entries(values)) (span as unknown as { attributes: Record<string, unknown> }).attributes[k] = v
    span.end()
    const [decoded] = decodeOtlpProto('traces', encodeSpansProto(memory.getFinishedSpans())).resourceSpans[0].scopeSpans[0].spans
    const got = Object.fromEntries(decoded.attributes.map((a: { key: string; value: Record<string, unknown> }) => [a.key, a.value]))
    expect(got.zero).toEqual({ intValue: '0' })
    expect(got.one27).toEqual({ intValue: '127' })
    expect(got.one28).toEqual({ intValue: '128' })
    expect(got.neg).toEqual({ intValue: '-1' })
    expect(got.negBig).toEqual({ intValue: String(-(2 ** 53) + 1) })
    expect(got.maxSafe).toEqual({ intValue: String(2 ** 53 - 1) })
    expect(got.int63).toEqual({ intValue: '4611686018427387904' })
    expect(got.tooBig).toEqual({ doubleValue: 2 ** 70 })
    expect(got.half).toEqual({ doubleValue: 0.5 })
    expect(got.negHalf).toEqual({ doubleValue: -1e-300 })
    expect(Number.isNaN(got.nan.doubleValue)).toBe(true)
    expect(got.inf).toEqual({ doubleValue: Infinity })
    expect(got.empty).toEqual({ stringValue: '' })
    for (const k of ['s42', 's43', 's128', 'long', 'multi']) expect(got[k]).toEqual({ stringValue: values[k] })
    expect(got.lone).toEqual({ stringValue: 'a\uFFFDb' })
    expect(got.bytes).toEqual({ bytesValue: 'AP8=' })
    expect(got.list).toEqual({
      arrayValue: {
        values: [
          { arrayValue: { values: [{ intValue: '1' }, { arrayValue: { values: [{ stringValue: 'deep' }] } }] } },
          { kvlistValue: { values: [{ key: 'k', value: { kvlistValue: { values: [{ key: 'kk', value: { boolValue: false } }] } } }] } },
        ],
      },
    })
  })
})

describe('encodeLogRecordsProto', () => {
  test('decodes (protobufjs, the .proto files) to what our JSON encoder sends for the same records', () => {
    const input = logRecords()
    expect(comparable(decodeOtlpProto('logs', encodeLogRecordsProto(input)))).toEqual(comparable(JSON.parse(encodeLogRecords(input))))
  })

  test("decodes to what the SDK's ProtobufLogsSerializer writes", () => {
    const input = logRecords()
    const official = ProtobufLogsSerializer.serializeRequest(input)!
    expect(comparable(decodeOtlpProto('logs', encodeLogRecordsProto(input)))).toEqual(comparable(decodeOtlpProto('logs', official)))
  })

  test('carries a line as its own UTF-8 bytes in the body, not escaped again', () => {
    const input = logRecords()
    const bytes = Buffer.from(encodeLogRecordsProto(input))
    expect(bytes.includes(Buffer.from('{"level":30,"msg":"request completed"}'))).toBe(true)
    const [first] = decodeOtlpProto('logs', bytes).resourceLogs[0].scopeLogs[0].logRecords
    expect(first.body).toEqual({ stringValue: '{"level":30,"msg":"request completed"}' })
  })
})
