/**
 * Our encoder against the official exporters: the same SDK spans and log records are sent
 * by both to a local receiver, and the two bodies must decode to the same data.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { createLogExporter, createSpanExporter } from './otlp-exporter.ts'
import { encodeLogRecords, encodeSpans } from './otlp-json.ts'
import { logRecords, spans } from '../../test/support/otlp-fixtures.ts'

const bodies: { path: string; contentType: string; json: unknown }[] = []
const receiver = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  async fetch(req) {
    bodies.push({ path: new URL(req.url).pathname, contentType: req.headers.get('content-type') ?? '', json: await req.json() })
    return Response.json({})
  },
})
afterAll(() => receiver.stop(true))
const url = (path: string) => `http://127.0.0.1:${receiver.port}${path}`

type Exporter<T> = { export(items: T[], cb: (r: ExportResult) => void): void; shutdown(): Promise<void> }

/** Exports `items` with `exporter` and returns the body the receiver got. */
async function sent<T>(exporter: Exporter<T>, items: T[]): Promise<unknown> {
  const before = bodies.length
  const result = await new Promise<ExportResult>((resolve) => exporter.export(items, resolve))
  expect(result.code).toBe(ExportResultCode.SUCCESS)
  await exporter.shutdown()
  expect(bodies.length).toBe(before + 1)
  expect(bodies.at(-1)?.contentType).toStartWith('application/json')
  return bodies.at(-1)?.json
}

const TIME_KEYS = new Set(['startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano', 'observedTimeUnixNano'])

/**
 * What a receiver decodes, ignoring encodings the protobuf JSON mapping treats as equal:
 * 64-bit integers as numbers or strings, absent vs. default (empty traceState, empty body),
 * and the schemaUrl upstream also copies into the Resource message, which has no such field.
 */
function decoded(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => decoded(v))
  if (value === null || typeof value !== 'object') {
    if (key === 'intValue') return BigInt(value as string | number)
    if (TIME_KEYS.has(key)) return String(value)
    return value
  }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || (k === 'traceState' && v === '')) continue
    if (k === 'body' && typeof v === 'object' && v !== null && Object.keys(v).length === 0) continue
    if (key === 'resource' && k === 'schemaUrl') continue
    out[k] = decoded(v, k)
  }
  return out
}

describe('encodeSpans', () => {
  test('decodes to what the official OTLP/HTTP JSON trace exporter sends', async () => {
    const input = spans()
    const official = await sent(new OTLPTraceExporter({ url: url('/v1/traces') }), input)
    const ours = await sent(createSpanExporter({ url: url('/v1/traces'), protocol: 'http/json' }), input)
    expect(decoded(ours)).toEqual(decoded(official))
    expect(decoded(JSON.parse(encodeSpans(input)))).toEqual(decoded(official))
  })

  test('writes timestamps and 64-bit integers as exact decimal strings', () => {
    const body = JSON.parse(encodeSpans(spans()))
    const server = body.resourceSpans[0].scopeSpans[0].spans.find((s: { kind: number }) => s.kind === 2)
    expect(server.startTimeUnixNano).toBe('1700000000000000005')
    expect(server.endTimeUnixNano).toBe('1700000001123456789')
    expect(server.flags).toBe(0x301) // sampled, parent remote
    expect(server.traceState).toBe('vendor=opaque"value')
    const big = server.attributes.find((a: { key: string }) => a.key === 'big')
    expect(big.value).toEqual({ intValue: '1152921504606846976' })
  })

  test('spells non-finite doubles the way the protobuf JSON mapping does', () => {
    const memory = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] })
    provider.getTracer('t').startSpan('odd', { attributes: { nan: Number.NaN, inf: -Infinity } }).end()
    const attrs = JSON.parse(encodeSpans(memory.getFinishedSpans())).resourceSpans[0].scopeSpans[0].spans[0].attributes
    expect(attrs).toEqual([
      { key: 'nan', value: { doubleValue: 'NaN' } },
      { key: 'inf', value: { doubleValue: '-Infinity' } },
    ])
  })
})

describe('encodeLogRecords', () => {
  test('decodes to what the official OTLP/HTTP JSON log exporter sends', async () => {
    const input = logRecords()
    const official = await sent(new OTLPLogExporter({ url: url('/v1/logs') }), input)
    const ours = await sent(createLogExporter({ url: url('/v1/logs'), protocol: 'http/json' }), input)
    expect(decoded(ours)).toEqual(decoded(official))
    expect(decoded(JSON.parse(encodeLogRecords(input)))).toEqual(decoded(official))
  })
})
