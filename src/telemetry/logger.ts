/**
 * The root pino logger: JSON lines on stdout (and shipped over OTLP when a shipper is
 * given), each carrying the active span's trace_id/span_id through a mixin.
 */
import { context, trace } from '@opentelemetry/api'
import pino, { type DestinationStream, type Logger } from 'pino'
import type { LogShipper } from './log-shipping.ts'

export type { Logger }

export interface LoggerOptions {
  level?: pino.LevelWithSilent
  service?: string
  /** Where lines go; stdout by default. */
  destination?: DestinationStream
  shipper?: LogShipper
}

// Never logged, whatever a caller passes by mistake.
const REDACT = [
  'authorization',
  'headers.authorization',
  '*.authorization',
  '["xi-api-key"]',
  'headers["xi-api-key"]',
  '*["xi-api-key"]',
  'apiKey',
  '*.apiKey',
  'text',
  '*.text',
  'input',
  '*.input',
]

/**
 * Creates the process's one root logger. Request and session loggers are its children.
 *
 * @example
 * const log = createLogger({ level: 'info', service: 'tts-edge' })
 * log.child({ request_id: 'abc' }).info({ status: 200 }, 'request completed')
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { level = 'info', service = 'tts-edge', shipper } = options
  const out = options.destination ?? pino.destination({ fd: 1, sync: false })
  const destination: DestinationStream = shipper
    ? {
        write(line: string) {
          out.write(line)
          shipper.ship(line)
        },
      }
    : out
  return pino(
    {
      level,
      base: { service },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.epochTime,
      formatters: { level: (_label, number) => ({ level: number }) },
      redact: { paths: REDACT, censor: '[redacted]' },
      mixin() {
        const span = trace.getSpan(context.active())
        if (!span) return {}
        const { traceId, spanId, traceFlags } = span.spanContext()
        return { trace_id: traceId, span_id: spanId, trace_flags: traceFlags.toString(16).padStart(2, '0') }
      },
    },
    destination,
  )
}

/** Flushes buffered stdout lines; call before exit. */
export function flushLogger(logger: Logger): void {
  try {
    logger.flush()
  } catch {
    // Nothing buffered, or stdout already closed: nothing left to save.
  }
}
