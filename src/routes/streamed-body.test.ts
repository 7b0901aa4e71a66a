import { describe, expect, test } from 'bun:test'
import { SpanStatusCode } from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { Hono } from 'hono'
import pino from 'pino'
import type { AppEnv } from '../app-env.ts'
import { correlation } from '../telemetry/correlation.ts'
import { httpTelemetry } from '../telemetry/http-telemetry.ts'
import { createMetrics, openMetricsRegistry } from '../telemetry/metrics.ts'
import { installContext } from '../telemetry/tracing.ts'
import { Broadcast } from '../tts/broadcast.ts'
import { streamedBody } from './streamed-body.ts'

/** A reader like Broadcast.read: one item at once, then it waits and gives up when the client's signal aborts. */
function untilAborted(signal: AbortSignal, state: { stopped: () => boolean }): AsyncGenerator<string> {
  let stopped = false
  state.stopped = () => stopped
  return (async function* () {
    try {
      yield 'first'
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
      throw signal.reason
    } finally {
      stopped = true
    }
  })()
}

async function* failsAfterFirst(): AsyncGenerator<string> {
  yield 'first'
  throw new Error('engine crashed')
}

/** The same two sources as a flight's broadcast reads them (taken synchronously when ready, tts/ready-source.ts). */
const fromBroadcast = {
  untilAborted(signal: AbortSignal, state: { stopped: () => boolean }): AsyncIterable<string> {
    const flight = new Broadcast<string>(() => false)
    flight.push('first')
    // Stopped: its producer was told every reader left.
    state.stopped = () => flight.signal.aborted
    return flight.read(signal)
  },
  failsAfterFirst(): AsyncIterable<string> {
    const flight = new Broadcast<string>(() => false)
    flight.push('first')
    flight.end(new Error('engine crashed'))
    return flight.read()
  },
}

const SOURCES = [
  ['an async generator', { untilAborted, failsAfterFirst }],
  ["a flight's broadcast", fromBroadcast],
] as const

function setup(items: (signal: AbortSignal) => AsyncIterable<string>) {
  installContext()
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const lines: Record<string, unknown>[] = []
  let logged!: (line: Record<string, unknown>) => void
  // The request's summary line is written once its body has settled, however it ended.
  const summary = new Promise<Record<string, unknown>>((resolve) => (logged = resolve))
  const write = (text: string) => {
    const line = JSON.parse(text) as Record<string, unknown>
    lines.push(line)
    if (typeof line.status === 'number') logged(line)
  }
  const logger = pino({}, { write })
  const metrics = createMetrics(openMetricsRegistry())
  const app = new Hono<AppEnv>()
  app.use(correlation())
  app.use(httpTelemetry({ tracer: provider.getTracer('test'), logger, metrics }))
  app.get('/audio', async (c) => {
    const body = await streamedBody(c, items(c.req.raw.signal), { frame: (s) => new TextEncoder().encode(s), metrics })
    return new Response(body)
  })
  const streamAborted = async () => (await metrics.errors.get()).values.find((v) => v.labels.type === 'stream_aborted')?.value
  return { app, exporter, lines, streamAborted, summary }
}

describe.each(SOURCES)('streamedBody from %s', (_, source) => {
  test('a client that goes away mid-body is marked disconnected, stops its reader and counts no error', async () => {
    const state = { stopped: () => false }
    const { app, exporter, lines, streamAborted, summary } = setup((signal) => source.untilAborted(signal, state))
    const client = new AbortController()
    const res = await app.request('/audio', { signal: client.signal })
    const reader = res.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first')
    const next = reader.read().catch((err: unknown) => err)
    client.abort()
    await next
    expect(state.stopped()).toBe(true)
    expect(await summary).toMatchObject({ level: 30, msg: 'request completed', client_disconnected: true, chunks_sent: 1 })
    expect(lines.filter((l) => Number(l.level) >= 50)).toEqual([])
    expect(await streamAborted()).toBe(0)
    const [span] = exporter.getFinishedSpans()
    expect(span?.attributes['tts.client.disconnected']).toBe(true)
    expect(span?.status.code).not.toBe(SpanStatusCode.ERROR)
  })

  test('a failure of ours after the first item is logged as an error and counted as stream_aborted', async () => {
    const { app, lines, streamAborted, summary } = setup(() => source.failsAfterFirst())
    const res = await app.request('/audio')
    expect(await res.text().catch((err: unknown) => err)).toBeInstanceOf(Error)
    expect(lines.find((l) => l.msg === 'response stream failed after it started')).toMatchObject({ level: 50, chunks_sent: 1 })
    expect((await summary).client_disconnected).toBeUndefined()
    expect(await streamAborted()).toBe(1)
  })
})
