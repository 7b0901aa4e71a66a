/**
 * Ships pino's JSON lines as OTLP log records (collector -> Loki), batched and bounded.
 *
 * The record's trace context comes from the line's own trace_id/span_id fields, so a line
 * written after its span ended (a session's closing summary) still links to its trace.
 */
import { ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api'
import { SeverityNumber, type LogAttributes } from '@opentelemetry/api-logs'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs'
import { otlpSignalUrl, type Config } from '../config.ts'
import { telemetryResource } from './resource.ts'

export interface LogShipper {
  /** Takes one serialised pino line. Never throws. */
  ship(line: string): void
  forceFlush(): Promise<void>
  shutdown(): Promise<void>
}

const SEVERITY: Record<number, [SeverityNumber, string]> = {
  10: [SeverityNumber.TRACE, 'TRACE'],
  20: [SeverityNumber.DEBUG, 'DEBUG'],
  30: [SeverityNumber.INFO, 'INFO'],
  40: [SeverityNumber.WARN, 'WARN'],
  50: [SeverityNumber.ERROR, 'ERROR'],
  60: [SeverityNumber.FATAL, 'FATAL'],
}

// Fields that become the record's own parts rather than attributes.
const OWN_FIELDS = new Set(['level', 'time', 'msg', 'trace_id', 'span_id', 'trace_flags', 'service', 'pid', 'hostname'])

/**
 * Creates a shipper, or undefined when log export is off.
 *
 * @example
 * const shipper = createLogShipper(config)
 * const logger = createLogger({ level: 'info', service: 'tts-edge', shipper })
 */
export function createLogShipper(config: Config, exporter?: LogRecordExporter): LogShipper | undefined {
  if (config.OTEL_SDK_DISABLED || (config.OTEL_LOGS_EXPORTER === 'none' && !exporter)) return undefined
  const logExporter =
    exporter ??
    new OTLPLogExporter({
      url: otlpSignalUrl(config, 'logs'),
      headers: config.OTEL_EXPORTER_OTLP_HEADERS,
      timeoutMillis: config.OTEL_EXPORTER_OTLP_TIMEOUT,
    })
  const provider = new LoggerProvider({
    resource: telemetryResource(config),
    processors: [
      new BatchLogRecordProcessor(logExporter, {
        maxQueueSize: config.OTEL_BLRP_MAX_QUEUE_SIZE,
        maxExportBatchSize: Math.min(512, config.OTEL_BLRP_MAX_QUEUE_SIZE),
        scheduledDelayMillis: config.OTEL_BLRP_SCHEDULE_DELAY,
        exportTimeoutMillis: config.OTEL_EXPORTER_OTLP_TIMEOUT,
      }),
    ],
  })
  const otelLogger = provider.getLogger('tts-edge')
  return {
    ship(line) {
      let record: Record<string, unknown>
      try {
        record = JSON.parse(line)
      } catch {
        return
      }
      const [severityNumber, severityText] = SEVERITY[Number(record.level)] ?? [SeverityNumber.INFO, 'INFO']
      const attributes: LogAttributes = {}
      for (const [key, value] of Object.entries(record)) {
        if (OWN_FIELDS.has(key)) continue
        attributes[key] = typeof value === 'object' && value !== null ? JSON.stringify(value) : (value as string | number | boolean)
      }
      otelLogger.emit({
        timestamp: typeof record.time === 'number' ? record.time : Date.now(),
        severityNumber,
        severityText,
        body: typeof record.msg === 'string' ? record.msg : '',
        attributes,
        context: traceContextOf(record),
      })
    },
    forceFlush: () => provider.forceFlush().catch(() => {}),
    shutdown: () => provider.shutdown().catch(() => {}),
  }
}

function traceContextOf(record: Record<string, unknown>): Context {
  const { trace_id: traceId, span_id: spanId, trace_flags: flags } = record
  if (typeof traceId !== 'string' || typeof spanId !== 'string') return ROOT_CONTEXT
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId,
    traceFlags: typeof flags === 'string' ? Number.parseInt(flags, 16) || 0 : 0,
    isRemote: true,
  })
}
