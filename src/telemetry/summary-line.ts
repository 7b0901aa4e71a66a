/**
 * The request summary line, written once per request, without pino's per-field work.
 *
 * pino builds a line field by field (a JSON.stringify of every key and of every string
 * value, a mixin merged in, a tracing-channel wrapper around it all): for the twenty-odd
 * fields of a summary line that was the largest single cost of a cache hit's telemetry.
 * Here the same object (the same keys, in the order pino writes them, redacted the same
 * way) is serialised by one JSON.stringify and handed to the logger's own destination, so
 * stdout and OTLP shipping see exactly what pino would have given them. The span comes
 * in as an argument, so the caller needs no context switch to write it.
 *
 * Only loggers made by createLogger (logger.ts) have a fast path; any other logger (tests
 * build their own) gets the ordinary pino child and call.
 */
import { context, trace, type SpanContext } from '@opentelemetry/api'
import type { DestinationStream, Logger } from 'pino'
import type { LogShipper } from './log-shipping.ts'

/** What createLogger registers for its loggers. */
export interface FastLineTarget {
  /** stdout (or the test's destination), before any shipping. */
  out: DestinationStream
  shipper: LogShipper | undefined
  /** The root logger's base fields (service, service_version, service_instance_id). */
  base: Record<string, unknown>
  redact: (fields: Record<string, unknown>) => Record<string, unknown>
  /** false: info lines go to the shipper only (`TTS_LOG_EXPORT=otlp`); warnings and errors still reach `out`. */
  requestLinesOut: boolean
}

const targets = new WeakMap<Logger, FastLineTarget>()

/** Called by createLogger: lines of `logger` may take the fast path to `target`. */
export function registerFastLines(logger: Logger, target: FastLineTarget): void {
  targets.set(logger, target)
}

const LEVELS = { info: 30, error: 50 } as const

export type SummaryLevel = keyof typeof LEVELS

/**
 * Writes `{level, time, ...base, request_id, trace_id, span_id, trace_flags, ...fields, msg}`
 * through `logger` (a root logger), as `logger.child({ request_id }).info(fields, msg)` would
 * inside the span's context.
 *
 * @example
 * writeSummaryLine(logger, 'info', requestId, span.spanContext(), { route, status: 200 }, 'request completed')
 */
export function writeSummaryLine(
  logger: Logger,
  level: SummaryLevel,
  requestId: string,
  span: SpanContext,
  fields: Record<string, unknown>,
  msg: string,
): void {
  const target = targets.get(logger)
  if (!target) {
    // A logger of unknown make: its own mixin may read the active span, so give it one.
    const log = logger.child({ request_id: requestId })
    return context.with(trace.setSpanContext(context.active(), span), () => log[level](fields, msg))
  }
  const number = LEVELS[level]
  if (number < logger.levelVal) return
  const whole = {
    level: number,
    time: Date.now(),
    ...target.base,
    request_id: requestId,
    trace_id: span.traceId,
    span_id: span.spanId,
    trace_flags: span.traceFlags === 1 ? '01' : span.traceFlags === 0 ? '00' : span.traceFlags.toString(16).padStart(2, '0'),
    ...target.redact(fields),
    msg,
  }
  const line = `${JSON.stringify(whole)}\n`
  if (target.requestLinesOut || number >= LEVELS.error) target.out.write(line)
  // The shipper reads ids and filterable fields from the object, not back from the line.
  target.shipper?.ship(line, number, whole, span, true)
}
