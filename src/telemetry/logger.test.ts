import { describe, expect, test } from 'bun:test'
import { context, trace } from '@opentelemetry/api'
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { loadConfig } from '../config.ts'
import { createLogShipper } from './log-shipping.ts'
import { createLogger } from './logger.ts'
import { writeSummaryLine } from './summary-line.ts'
import { installContext } from './tracing.ts'

function capture() {
  const lines: Record<string, unknown>[] = []
  const logger = createLogger({ level: 'info', service: 'svc', destination: { write: (l: string) => void lines.push(JSON.parse(l)) } })
  return { logger, lines }
}

describe('createLogger', () => {
  test('adds trace_id and span_id of the active span to every line', () => {
    installContext()
    const { logger, lines } = capture()
    const span = new BasicTracerProvider().getTracer('t').startSpan('op')
    context.with(trace.setSpan(context.active(), span), () => logger.child({ request_id: 'r1' }).info({ status: 200 }, 'done'))
    const { traceId, spanId } = span.spanContext()
    expect(lines[0]).toMatchObject({ msg: 'done', service: 'svc', request_id: 'r1', trace_id: traceId, span_id: spanId, trace_flags: '01', level: 30 })
  })

  test('never writes authorization values or spoken text passed by mistake', () => {
    const { logger, lines } = capture()
    logger.info({ authorization: 'Bearer sk-secret', 'xi-api-key': 'xi-secret', text: 'private words', input: 'more words' }, 'oops')
    const line = JSON.stringify(lines[0])
    for (const secret of ['sk-secret', 'xi-secret', 'private words', 'more words']) expect(line).not.toContain(secret)
  })
})

describe('TTS_LOG_EXPORT', () => {
  const span = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 }

  test('otlp: a request line is shipped, not written; failures and the service’s own lines are both', async () => {
    const exporter = new InMemoryLogRecordExporter()
    const shipper = createLogShipper(loadConfig({ TTS_LOG_EXPORT: 'otlp' }), exporter)!
    const written: string[] = []
    const logger = createLogger({ service: 'svc', destination: { write: (l: string) => void written.push(l) }, shipper, requestLinesToDestination: false })
    writeSummaryLine(logger, 'info', 'req-1', span, { status: 200 }, 'request completed')
    writeSummaryLine(logger, 'error', 'req-2', span, { status: 500 }, 'request failed')
    logger.info('tts-edge listening')
    await shipper.forceFlush()
    const shipped = exporter.getFinishedLogRecords().map((r) => JSON.parse(String(r.body)).msg)
    expect(shipped).toEqual(['request completed', 'request failed', 'tts-edge listening'])
    expect(written.map((l) => JSON.parse(l).msg)).toEqual(['request failed', 'tts-edge listening'])
    // The one serialisation serves both: the record's body is the written line.
    expect(String(exporter.getFinishedLogRecords()[1]!.body)).toBe(written[0]!.trimEnd())
  })

  test('stdout: no OTLP log records at all; otlp without a collector keeps every line on stdout', () => {
    expect(createLogShipper(loadConfig({ TTS_LOG_EXPORT: 'stdout' }), new InMemoryLogRecordExporter())).toBeUndefined()
    const written: string[] = []
    const logger = createLogger({ service: 'svc', destination: { write: (l: string) => void written.push(l) }, requestLinesToDestination: false })
    writeSummaryLine(logger, 'info', 'req-1', span, { status: 200 }, 'request completed')
    expect(written).toHaveLength(1)
  })
})
