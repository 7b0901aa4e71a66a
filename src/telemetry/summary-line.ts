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

/** A target with what every line of it starts with, serialised once. */
interface Prepared {
  target: FastLineTarget
  /** The base fields as JSON members, each after a comma (`,"service":"tts-edge",...`). */
  base: string
  /** Keys the line writes itself: request fields that reuse one take the object path (a key appears once). */
  reserved: string[]
}

const targets = new WeakMap<Logger, Prepared>()

/** Called by createLogger: lines of `logger` may take the fast path to `target`. */
export function registerFastLines(logger: Logger, target: FastLineTarget): void {
  const base = Object.keys(target.base).length ? `,${JSON.stringify(target.base).slice(1, -1)}` : ''
  targets.set(logger, { target, base, reserved: ['level', 'time', ...Object.keys(target.base), 'request_id', 'trace_id', 'span_id', 'trace_flags', 'msg'] })
}

const LEVELS = { info: 30, error: 50 } as const

export type SummaryLevel = keyof typeof LEVELS

/**
 * Writes `{level, time, ...base, request_id, trace_id, span_id, trace_flags, ...fields, msg}`
 * through `logger` (a root logger), as `logger.child({ request_id }).info(fields, msg)` would
 * inside the span's context. `fields` is the request's own object, written last: with a log
 * shipper it is handed on with `request_id` and `time` added.
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
  const prepared = targets.get(logger)
  if (!prepared) {
    // A logger of unknown make: its own mixin may read the active span, so give it one.
    const log = logger.child({ request_id: requestId })
    return context.with(trace.setSpanContext(context.active(), span), () => log[level](fields, msg))
  }
  const number = LEVELS[level]
  if (number < logger.levelVal) return
  const { target } = prepared
  const flags = span.traceFlags === 1 ? '01' : span.traceFlags === 0 ? '00' : span.traceFlags.toString(16).padStart(2, '0')
  const own = target.redact(fields)
  const time = Date.now()
  let line: string
  let shipped: Record<string, unknown>
  if (prepared.reserved.some((key) => key in own)) {
    // The object spread keeps one of each key, where the first was: as before.
    shipped = { level: number, time, ...target.base, request_id: requestId, trace_id: span.traceId, span_id: span.spanId, trace_flags: flags, ...own, msg }
    line = `${JSON.stringify(shipped)}\n`
  } else {
    // The same text as JSON.stringify of that object, without building it: its head and tail are
    // ours, only the request's own fields are serialised here.
    const body = JSON.stringify(own)
    const ids = `,"request_id":${JSON.stringify(requestId)},"trace_id":${JSON.stringify(span.traceId)},"span_id":${JSON.stringify(span.spanId)},"trace_flags":"${flags}"`
    line = `{"level":${number},"time":${time}${prepared.base}${ids}${body.length > 2 ? `,${body.slice(1, -1)}` : ''},"msg":${JSON.stringify(msg)}}\n`
    // The request's fields object, finished with what the shipper reads (nothing else reads it now).
    shipped = own
    if (target.shipper) {
      own.request_id = requestId
      own.time = time
    }
  }
  if (target.requestLinesOut || number >= LEVELS.error) target.out.write(line)
  // The shipper reads ids and filterable fields from the object, not back from the line.
  target.shipper?.ship(line, number, shipped, span, true)
}
