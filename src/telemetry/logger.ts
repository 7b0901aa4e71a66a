/**
 * The root pino logger: JSON lines on stdout (and shipped over OTLP when a shipper is
 * given), each carrying the active span's trace_id/span_id through a mixin.
 */
import { context, trace } from '@opentelemetry/api'
import pino, { type DestinationStream, type Logger } from 'pino'
import { batchedLines } from './batched-lines.ts'
import type { LogShipper } from './log-shipping.ts'
import { registerFastLines } from './summary-line.ts'

export type { Logger }

export interface LoggerOptions {
  level?: pino.LevelWithSilent
  service?: string
  /** `service.instance.id`: which replica wrote the line (a `service_instance_id` field). */
  instance?: string
  /** `service.version` (a `service_version` field): which build wrote the line, so a line read from stdout says what an OTLP record's resource says. */
  version?: string
  /** Where lines go; stdout by default. */
  destination?: DestinationStream
  shipper?: LogShipper
  /**
   * false (`TTS_LOG_EXPORT=otlp`): a request's summary line goes to the shipper only, not to
   * `destination`, unless it is a warning or an error: the per-request volume is paid for once,
   * while start-up, shutdown and failures still show in `docker logs` when the collector is
   * down. Ignored without a shipper, so lines always go somewhere. Default true.
   */
  requestLinesToDestination?: boolean
}

// Never logged, whatever a caller passes by mistake. Checked as top-level keys in a log
// formatter: pino's path-based redaction re-parsed its paths on every line and cost more
// than the rest of the request's telemetry together.
const SECRET_KEYS = ['authorization', 'xi-api-key', 'apiKey', 'api_key', 'headers', 'text', 'input', 'cookie']

function withoutSecrets(object: Record<string, unknown>): Record<string, unknown> {
  for (const key of SECRET_KEYS) {
    if (key in object) object[key] = '[redacted]'
  }
  return object
}

/**
 * Creates the process's one root logger. Request and session loggers are its children.
 *
 * @example
 * const log = createLogger({ level: 'info', service: 'tts-edge' })
 * log.child({ request_id: 'abc' }).info({ status: 200 }, 'request completed')
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { level = 'info', service = 'tts-edge', instance, version, shipper } = options
  const out = options.destination ?? stdoutDestination()
  const destination: DestinationStream = shipper ? shippingDestination(out, shipper) : out
  const base = { service, ...(version && { service_version: version }), ...(instance && { service_instance_id: instance }) }
  const logger = pino(
    {
      level,
      base,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.epochTime,
      formatters: { level: (_label, number) => ({ level: number }), log: withoutSecrets },
      mixin() {
        const span = trace.getSpan(context.active())
        if (!span) return {}
        const { traceId, spanId, traceFlags } = span.spanContext()
        return { trace_id: traceId, span_id: spanId, trace_flags: traceFlags.toString(16).padStart(2, '0') }
      },
    },
    destination,
  )
  const requestLinesOut = options.requestLinesToDestination !== false || !shipper
  registerFastLines(logger, { out, shipper, base, redact: withoutSecrets, requestLinesOut })
  return logger
}

// Lines are gathered in memory and written in 64 KiB batches, at least every 100 ms
// (batched-lines.ts); flushLogger() empties the buffer before exit.
function stdoutDestination(): DestinationStream {
  return batchedLines({ fd: 1, flushMs: 100 })
}

/**
 * Writes each line to `out` and hands it to the shipper. Asking pino for metadata gives
 * us the line's level and the call's fields without parsing the line back.
 */
function shippingDestination(out: DestinationStream, shipper: LogShipper): DestinationStream {
  const destination = {
    [pino.symbols.needsMetadataGsym]: true,
    lastLevel: 30,
    lastObj: undefined as Record<string, unknown> | undefined,
    write(line: string) {
      out.write(line)
      shipper.ship(line, destination.lastLevel, destination.lastObj)
    },
    flush(done: (err?: Error) => void) {
      const target = out as DestinationStream & { flush?: (cb: (err?: Error) => void) => void }
      if (target.flush) target.flush(done)
      else done()
    },
  }
  return destination
}

/**
 * Resolves once buffered lines have reached stdout; await it before exit, or the last
 * lines (the shutdown summary) can be lost.
 *
 * @example
 * await flushLogger(logger)
 * process.exit(0)
 */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    try {
      logger.flush(() => resolve())
    } catch {
      resolve() // stdout already closed: nothing left to save
    }
  })
}
