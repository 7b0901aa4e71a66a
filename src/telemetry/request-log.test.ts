import { describe, expect, test } from 'bun:test'
import { context, trace } from '@opentelemetry/api'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { createLogger } from './logger.ts'
import { RequestLog } from './request-log.ts'
import { installContext } from './tracing.ts'

function capture() {
  const lines: string[] = []
  const logger = createLogger({ level: 'info', service: 'svc', destination: { write: (l: string) => void lines.push(l) } })
  return { logger, lines }
}

describe('RequestLog', () => {
  test('writes the line pino’s child with request_id writes, trace ids of the active span included', () => {
    installContext()
    const mine = capture()
    const pinos = capture()
    const span = new BasicTracerProvider().getTracer('t').startSpan('op')
    context.with(trace.setSpan(context.active(), span), () => {
      new RequestLog(mine.logger, 'r1').error({ err: new Error('boom'), chunks_sent: 3 }, 'stream failed')
      pinos.logger.child({ request_id: 'r1' }).error({ err: new Error('boom'), chunks_sent: 3 }, 'stream failed')
    })
    const strip = (line: string) => ({ ...JSON.parse(line), time: 0, err: { ...JSON.parse(line).err, stack: '' } })
    expect(mine.lines).toHaveLength(1)
    expect(strip(mine.lines[0]!)).toEqual(strip(pinos.lines[0]!))
    expect(JSON.parse(mine.lines[0]!)).toMatchObject({ request_id: 'r1', trace_id: span.spanContext().traceId, level: 50, chunks_sent: 3 })
  })

  test('every line of one request carries its id, and levels below the logger’s are not written', () => {
    const { logger, lines } = capture()
    const log = new RequestLog(logger, 'r2')
    log.warn('first')
    log.debug('below info')
    log.info({ n: 2 }, 'second')
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { request_id: 'r2', level: 40, msg: 'first' },
      { request_id: 'r2', level: 30, msg: 'second', n: 2 },
    ])
  })

  test('without a request id (probes, scrapes) lines are the root logger’s own', () => {
    const { logger, lines } = capture()
    const log = new RequestLog(logger)
    expect(log.logger).toBe(logger)
    log.error('probe failed')
    expect(JSON.parse(lines[0]!)).not.toHaveProperty('request_id')
  })
})
