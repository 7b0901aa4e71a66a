import { describe, expect, test } from 'bun:test'
import { context, trace } from '@opentelemetry/api'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { createLogger } from './logger.ts'
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
