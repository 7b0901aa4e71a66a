/**
 * The exporter's promises to the batch processors: one callback per export, FAILED (never
 * a throw) within the timeout when the collector is away or stuck, and retries only where
 * a retry can help. Servers are local; waits are on promises, never on sleeps.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { decodeOtlpProto, encodeOtlpProtoResponse } from '../../test/support/otlp-proto-decoder.ts'
import { createSpanExporter, type OtlpExporterOptions, type OtlpSignal } from './otlp-exporter.ts'

const servers: { stop(force?: boolean): void }[] = []
afterEach(() => {
  for (const server of servers.splice(0)) server.stop(true)
})

/** A local collector answering with `respond`, recording every request. */
function collector(respond: (n: number, req: Request) => Response | Promise<Response>) {
  const requests: { headers: Headers; body: Uint8Array }[] = []
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      requests.push({ headers: req.headers, body: await req.bytes() })
      return respond(requests.length, req)
    },
  })
  servers.push(server)
  return { url: `http://127.0.0.1:${server.port}/v1/traces`, requests }
}

function twoSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter()
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }).getTracer('t')
  tracer.startSpan('a').end()
  tracer.startSpan('b').end()
  return memory.getFinishedSpans()
}

/** Runs one export, checking the callback comes exactly once; returns its result, how long it took, and drops. */
async function exportOnce(options: OtlpExporterOptions, spans = twoSpans()) {
  const dropped: [OtlpSignal, number][] = []
  const exporter = createSpanExporter({ ...options, onDropped: (signal, count) => dropped.push([signal, count]) })
  let calls = 0
  const started = performance.now()
  const result = await new Promise<ExportResult>((resolve) => {
    exporter.export(spans, (r) => {
      calls++
      resolve(r)
    })
  })
  const ms = performance.now() - started
  await exporter.shutdown()
  expect(calls).toBe(1)
  return { result, ms, dropped, exporter }
}

const protobufAnswer = (bytes: Uint8Array) => new Response(Uint8Array.from(bytes), { headers: { 'content-type': 'application/x-protobuf' } })

describe('OTLP span exporter', () => {
  test('posts protobuf (the OTLP default) with the configured headers and succeeds on 200', async () => {
    const { url, requests } = collector(() => protobufAnswer(encodeOtlpProtoResponse('traces', 0)))
    const { result, dropped } = await exportOnce({ url, headers: { authorization: 'Bearer t0k' } })
    expect(result.code).toBe(ExportResultCode.SUCCESS)
    expect(dropped).toEqual([])
    expect(requests[0]?.headers.get('content-type')).toBe('application/x-protobuf')
    expect(requests[0]?.headers.get('authorization')).toBe('Bearer t0k')
    const spans = decodeOtlpProto('traces', requests[0]!.body).resourceSpans[0].scopeSpans[0].spans
    expect(spans.map((s: { name: string }) => s.name)).toEqual(['a', 'b'])
  })

  test('posts JSON when the protocol is http/json', async () => {
    const { url, requests } = collector(() => Response.json({}))
    const { result } = await exportOnce({ url, protocol: 'http/json' })
    expect(result.code).toBe(ExportResultCode.SUCCESS)
    expect(requests[0]?.headers.get('content-type')).toBe('application/json')
    expect(JSON.parse(new TextDecoder().decode(requests[0]!.body)).resourceSpans[0].scopeSpans[0].spans).toHaveLength(2)
  })

  test('fails within the timeout, without throwing, when nothing listens on the port', async () => {
    const closed = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
    const url = `http://127.0.0.1:${closed.port}/v1/traces`
    closed.stop(true)
    const { result, ms, dropped } = await exportOnce({ url, timeoutMillis: 1500 })
    expect(result.code).toBe(ExportResultCode.FAILED)
    expect(ms).toBeLessThan(1500 + 250)
    expect(dropped).toEqual([['traces', 2]])
  })

  test('fails within the timeout when the collector never answers', async () => {
    const release: (() => void)[] = []
    const { url, requests } = collector(() => new Promise<Response>((resolve) => release.push(() => resolve(new Response()))))
    const { result, ms, dropped } = await exportOnce({ url, timeoutMillis: 300 })
    release.forEach((r) => r())
    expect(result.code).toBe(ExportResultCode.FAILED)
    expect(ms).toBeGreaterThanOrEqual(250)
    expect(ms).toBeLessThan(300 + 250)
    expect(requests).toHaveLength(1) // a timeout is final: retrying would overrun the budget
    expect(dropped).toEqual([['traces', 2]])
  })

  test('retries a 503 once and succeeds on the 200 that follows', async () => {
    const { url, requests } = collector((n) => (n === 1 ? new Response('busy', { status: 503 }) : Response.json({})))
    const { result, dropped } = await exportOnce({ url, timeoutMillis: 5000 })
    expect(result.code).toBe(ExportResultCode.SUCCESS)
    expect(requests).toHaveLength(2)
    expect(requests[1]?.body).toEqual(requests[0]!.body)
    expect(dropped).toEqual([])
  })

  test('does not retry what a retry cannot fix', async () => {
    const { url, requests } = collector(() => new Response('bad', { status: 400 }))
    const { result, dropped } = await exportOnce({ url, timeoutMillis: 5000 })
    expect(result.code).toBe(ExportResultCode.FAILED)
    expect(requests).toHaveLength(1)
    expect(dropped).toEqual([['traces', 2]])
  })

  test('gives up rather than wait for a Retry-After beyond the timeout', async () => {
    const { url, requests } = collector(() => new Response('later', { status: 429, headers: { 'retry-after': '30' } }))
    const { result, ms } = await exportOnce({ url, timeoutMillis: 2000 })
    expect(result.code).toBe(ExportResultCode.FAILED)
    expect(requests).toHaveLength(1)
    expect(ms).toBeLessThan(1000)
  })

  test('counts spans a collector rejected in a partial success, in either encoding', async () => {
    const json = collector(() => Response.json({ partialSuccess: { rejectedSpans: '1', errorMessage: 'too old' } }))
    const fromJson = await exportOnce({ url: json.url, protocol: 'http/json' })
    expect(fromJson.result.code).toBe(ExportResultCode.SUCCESS)
    expect(fromJson.dropped).toEqual([['traces', 1]])
    const proto = collector(() => protobufAnswer(encodeOtlpProtoResponse('traces', 2, 'too old')))
    const fromProto = await exportOnce({ url: proto.url })
    expect(fromProto.result.code).toBe(ExportResultCode.SUCCESS)
    expect(fromProto.dropped).toEqual([['traces', 2]])
  })

  test('an answer that is not an OTLP message (a proxy page) counts nothing rejected', async () => {
    const { url } = collector(() => new Response('<html>ok</html>', { headers: { 'content-type': 'text/html' } }))
    expect((await exportOnce({ url })).dropped).toEqual([])
    const garbled = collector(() => protobufAnswer(new Uint8Array([0x0a, 0x7f, 0x08])))
    expect((await exportOnce({ url: garbled.url })).dropped).toEqual([])
  })

  test('forceFlush waits for the export in flight', async () => {
    let answer!: () => void
    const answered = new Promise<void>((resolve) => (answer = resolve))
    const { url } = collector(async () => {
      await answered
      return Response.json({})
    })
    const exporter = createSpanExporter({ url })
    const results: ExportResult[] = []
    exporter.export(twoSpans(), (r) => results.push(r))
    const flushed = exporter.forceFlush().then(() => [...results])
    answer()
    expect((await flushed).map((r) => r.code)).toEqual([ExportResultCode.SUCCESS])
    await exporter.shutdown()
  })

  test('after shutdown, fails at once and counts the spans', async () => {
    const { url, requests } = collector(() => Response.json({}))
    const dropped: number[] = []
    const exporter = createSpanExporter({ url, onDropped: (_, n) => dropped.push(n) })
    await exporter.shutdown()
    const result = await new Promise<ExportResult>((resolve) => exporter.export(twoSpans(), resolve))
    expect(result.code).toBe(ExportResultCode.FAILED)
    expect(requests).toHaveLength(0)
    expect(dropped).toEqual([2])
  })

  test('a throwing onDropped hook does not break the exporter', async () => {
    const { url } = collector(() => new Response('bad', { status: 400 }))
    const exporter = createSpanExporter({
      url,
      onDropped: () => {
        throw new Error('hook broke')
      },
    })
    const result = await new Promise<ExportResult>((resolve) => exporter.export(twoSpans(), resolve))
    expect(result.code).toBe(ExportResultCode.FAILED)
    await exporter.shutdown()
  })
})
