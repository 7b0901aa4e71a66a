import { describe, expect, test } from 'bun:test'
import { context, trace, TraceFlags, type SpanContext } from '@opentelemetry/api'
import pino from 'pino'
import type { LogShipper } from './log-shipping.ts'
import { createLogger } from './logger.ts'
import { writeSummaryLine } from './summary-line.ts'
import { installContext } from './tracing.ts'

const span: SpanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED }
const fields = () => ({ text_chars: 12, voice: 'en-us-f1', cache: 'cache_hit', route: '/v1/audio/speech', status: 200, duration_ms: 1.2, trace_kept: false })

function capture(level: pino.LevelWithSilent = 'info', withShipper = false) {
  const lines: string[] = []
  const shipped: { line: string; level: number; fields: Record<string, unknown> | undefined; span: SpanContext | undefined }[] = []
  const shipper: LogShipper = {
    ship: (line, lvl, f, s) => void shipped.push({ line, level: lvl, fields: f, span: s ?? trace.getSpanContext(context.active()) }),
    forceFlush: async () => {},
    shutdown: async () => {},
  }
  const logger = createLogger({ level, service: 'svc', instance: 'replica-1', destination: { write: (l: string) => void lines.push(l) }, ...(withShipper && { shipper }) })
  return { logger, lines, shipped }
}

/** What pino itself writes for the same call, inside the span's context. */
function pinoLine(logger: pino.Logger, level: 'info' | 'error', msg: string, f: Record<string, unknown>) {
  context.with(trace.setSpanContext(context.active(), span), () => logger.child({ request_id: 'req-1' })[level](f, msg))
}

const withoutTime = (line: string) => {
  const { time, ...rest } = JSON.parse(line) as Record<string, unknown>
  expect(typeof time).toBe('number')
  return rest
}

describe('writeSummaryLine', () => {
  test('writes the line pino would write, same keys in the same order, serialised once', () => {
    installContext()
    const { logger, lines } = capture()
    pinoLine(logger, 'info', 'request completed', fields())
    writeSummaryLine(logger, 'info', 'req-1', span, fields(), 'request completed')
    const [byPino, ours] = lines.map(withoutTime)
    expect(ours).toEqual(byPino!)
    expect(Object.keys(ours!)).toEqual(Object.keys(byPino!))
    expect(ours).toMatchObject({ level: 30, service: 'svc', service_instance_id: 'replica-1', request_id: 'req-1', trace_id: span.traceId, trace_flags: '01' })
    expect(lines[1]!.endsWith('}\n')).toBe(true)
  })

  test('ships the same line, level, fields and span as the stdout line', () => {
    const { logger, lines, shipped } = capture('info', true)
    writeSummaryLine(logger, 'error', 'req-2', span, { ...fields(), status: 503 }, 'request failed')
    expect(shipped).toHaveLength(1)
    expect(shipped[0]!.line).toBe(lines[0]!)
    expect(shipped[0]!.level).toBe(50)
    expect(shipped[0]!.fields).toMatchObject({ route: '/v1/audio/speech', status: 503, trace_kept: false })
    expect(shipped[0]!.span).toEqual(span)
  })

  test('redacts secrets passed by mistake, like every other line', () => {
    const { logger, lines } = capture()
    writeSummaryLine(logger, 'info', 'req-3', span, { ...fields(), input: 'private words', authorization: 'Bearer sk-1' }, 'request completed')
    expect(lines[0]).not.toContain('private words')
    expect(lines[0]).not.toContain('sk-1')
  })

  test('respects the logger level: nothing below it is written or shipped', () => {
    const { logger, lines, shipped } = capture('error', true)
    writeSummaryLine(logger, 'info', 'req-4', span, fields(), 'request completed')
    expect(lines).toEqual([])
    expect(shipped).toEqual([])
    writeSummaryLine(logger, 'error', 'req-4', span, fields(), 'request failed')
    expect(lines).toHaveLength(1)
  })

  test('a logger not made by createLogger gets its own pino line, with the span active for its mixin', () => {
    installContext()
    const lines: Record<string, unknown>[] = []
    const mixin = () => ({ active_trace: trace.getSpanContext(context.active())?.traceId })
    const logger = pino({ mixin }, { write: (l: string) => void lines.push(JSON.parse(l)) })
    writeSummaryLine(logger, 'info', 'req-5', span, { status: 200 }, 'request completed')
    expect(lines[0]).toMatchObject({ request_id: 'req-5', active_trace: span.traceId, status: 200, msg: 'request completed' })
  })

  test('the line is exactly JSON.stringify of the whole object, whatever the fields hold', () => {
    const { logger, lines } = capture()
    const now = Date.now
    Date.now = () => 1_796_000_000_123
    const cases: Record<string, unknown>[] = [
      {},
      fields(),
      { voice: 'a "quoted" \\ voice\n', note: 'żółć ✓ 🎧', gone: undefined, ignored: ['speed', 'seed'], nested: { a: [1, null] }, ratio: 0.1 + 0.2, big: 1e21, flag: true },
      // A field named like one the line writes itself: one key, where the first was (the object path).
      { ...fields(), request_id: 'other', msg: 'theirs', service: 'x' },
    ]
    try {
      for (const f of cases) writeSummaryLine(logger, 'info', 'req-"6"', span, { ...f }, 'request completed')
    } finally {
      Date.now = now
    }
    const expected = cases.map(
      (f) =>
        `${JSON.stringify({ level: 30, time: 1_796_000_000_123, service: 'svc', service_instance_id: 'replica-1', request_id: 'req-"6"', trace_id: span.traceId, span_id: span.spanId, trace_flags: '01', ...f, msg: 'request completed' })}\n`,
    )
    expect(lines).toEqual(expected)
    expect(JSON.parse(lines[3]!)).toMatchObject({ request_id: 'other', msg: 'request completed', service: 'x' })
  })

  test('the shipper reads the request id, time and filterable fields of the line it ships', () => {
    const { logger, lines, shipped } = capture('info', true)
    writeSummaryLine(logger, 'info', 'req-7', span, fields(), 'request completed')
    const line = JSON.parse(lines[0]!) as Record<string, unknown>
    expect(shipped[0]!.fields).toMatchObject({ request_id: 'req-7', time: line.time, route: '/v1/audio/speech', status: 200, cache: 'cache_hit', trace_kept: false })
  })
})
