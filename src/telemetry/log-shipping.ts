/**
 * Ships pino's JSON lines as OTLP log records (collector -> Loki), batched and bounded.
 *
 * The record's body is the very line written to stdout, so Loki shows what `docker logs`
 * shows. Lines are not parsed again (that cost more than the rest of a request's telemetry):
 * severity comes from pino's per-line metadata, the trace context from the active context
 * (logging is synchronous, so it is the context the line was written in), and the few
 * fields worth filtering on become attributes, hence Loki structured metadata.
 *
 * With OTLP/HTTP protobuf (the default) each record is encoded into its batch's buffer as it
 * is shipped (otlp-record-batch.ts); with `http/json`, or an exporter given (tests), records go
 * through the SDK's BatchLogRecordProcessor to that exporter.
 */
import { context, isSpanContextValid, trace, type HrTime, type SpanContext } from '@opentelemetry/api'
import { SeverityNumber, type LogAttributes } from '@opentelemetry/api-logs'
import { BatchLogRecordProcessor, type LogRecordExporter, type SdkLogRecord } from '@opentelemetry/sdk-logs'
import type { Config } from '../config.ts'
import { countingLogProcessor, type DropHook } from './drop-accounting.ts'
import { OtlpRecordBatch } from './otlp-record-batch.ts'
import { createLogExporter, otlpExporterOptions } from './otlp-exporter.ts'
import { resourceField, scopeField } from './otlp-proto-common.ts'
import { writeLogRecord, type LogRecordParts } from './otlp-proto-logs.ts'
import { telemetryResource } from './resource.ts'

export interface LogShipper {
  /**
   * Takes one serialised pino line, its level and the call's own fields, and the span it
   * belongs to (the active span's when not given). With `whole`, `fields` is the object the
   * whole line was serialised from, ids included, and the line is not searched. Never throws.
   */
  ship(line: string, level: number, fields: Record<string, unknown> | undefined, span?: SpanContext, whole?: boolean): void
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

// Fields of the logging call that become attributes (bounded, useful as Loki filters).
const ATTRIBUTE_FIELDS = ['route', 'method', 'status', 'duration_ms', 'cache', 'voice', 'format', 'session_id', 'trace_kept'] as const
// Correlation ids live in child-logger bindings, which pino has already serialised.
const REQUEST_ID = /"request_id":"([^"\\]{1,128})"/
const SESSION_ID = /"session_id":"([^"\\]{1,128})"/
const MAX_ID_LENGTH = 128

/** The rule of REQUEST_ID and SESSION_ID, for an id taken from the object a line was made from. */
function plainId(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) return undefined
  return value.includes('"') || value.includes('\\') ? undefined : value
}

/**
 * Creates a shipper, or undefined when OTLP log export is off (`OTEL_SDK_DISABLED`,
 * `OTEL_LOGS_EXPORTER=none`, or `TTS_LOG_EXPORT=stdout`: lines reach Loki from stdout).
 *
 * @example
 * const shipper = createLogShipper(config)
 * const logger = createLogger({ level: 'info', service: 'tts-edge', shipper })
 */
export function createLogShipper(config: Config, exporter?: LogRecordExporter, onDropped: DropHook = () => {}): LogShipper | undefined {
  if (config.OTEL_SDK_DISABLED || config.TTS_LOG_EXPORT === 'stdout' || (config.OTEL_LOGS_EXPORTER === 'none' && !exporter)) return undefined
  const options = otlpExporterOptions(config, 'logs', onDropped)
  const protocol = options.protocol
  // The same resource and scope objects for every record: the encoders group and cache by identity.
  const resource = telemetryResource(config)
  const instrumentationScope = { name: 'tts-edge' }
  const maxExportBatchSize = Math.min(512, config.OTEL_BLRP_MAX_QUEUE_SIZE)
  let emit: (record: LogRecordParts & { resource: typeof resource; instrumentationScope: typeof instrumentationScope }) => void
  let stop: { forceFlush(): Promise<void>; shutdown(): Promise<void> }
  if (!exporter && protocol === 'http/protobuf') {
    const sender = createLogExporter(options)
    const batch = new OtlpRecordBatch({
      resource: resourceField(resource),
      scope: scopeField(instrumentationScope),
      maxQueueSize: config.OTEL_BLRP_MAX_QUEUE_SIZE,
      maxExportBatchSize,
      scheduledDelayMillis: config.OTEL_BLRP_SCHEDULE_DELAY,
      send: (body, count, done) => sender.send(body, count, done),
      onDropped,
    })
    emit = (record) => batch.add((w) => writeLogRecord(w, record))
    stop = {
      forceFlush: () => batch.forceFlush(),
      shutdown: () => batch.shutdown().then(() => sender.shutdown()),
    }
  } else {
    const processor = countingLogProcessor(
      exporter ?? createLogExporter(options),
      config.OTEL_BLRP_MAX_QUEUE_SIZE,
      (e) =>
        new BatchLogRecordProcessor(e, {
          maxQueueSize: config.OTEL_BLRP_MAX_QUEUE_SIZE,
          maxExportBatchSize,
          scheduledDelayMillis: config.OTEL_BLRP_SCHEDULE_DELAY,
          exportTimeoutMillis: config.OTEL_EXPORTER_OTLP_TIMEOUT,
        }),
      onDropped,
    )
    // A plain, finished record for the batch processor, instead of the SDK Logger's
    // LogRecordImpl (setters, per-attribute validation and limits, a read-only switch):
    // these attributes are a handful of bounded primitives.
    emit = (record) => processor.onEmit(record as unknown as SdkLogRecord)
    stop = processor
  }
  return {
    ship(line, level, fields, span, whole = false) {
      const [severityNumber, severityText] = SEVERITY[level] ?? [SeverityNumber.INFO, 'INFO']
      const attributes: LogAttributes = {}
      const requestId = whole ? plainId(fields?.request_id) : REQUEST_ID.exec(line)?.[1]
      if (requestId) attributes.request_id = requestId
      const sessionId = whole ? plainId(fields?.session_id) : SESSION_ID.exec(line)?.[1]
      if (sessionId) attributes.session_id = sessionId
      if (fields) {
        for (const key of ATTRIBUTE_FIELDS) {
          const value = fields[key]
          if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') attributes[key] = value
        }
      }
      // A whole line's object carries the time the line says; the record says the same.
      const time = hrTimeOf(whole && typeof fields?.time === 'number' ? fields.time : Date.now())
      const spanContext = span ?? trace.getSpanContext(context.active())
      emit({
        hrTime: time,
        hrTimeObserved: time,
        ...(spanContext && isSpanContextValid(spanContext) && { spanContext }),
        severityNumber,
        severityText,
        body: line.endsWith('\n') ? line.slice(0, -1) : line,
        attributes,
        droppedAttributesCount: 0,
        resource,
        instrumentationScope,
      })
    },
    forceFlush: () => stop.forceFlush().catch(() => {}),
    shutdown: () => stop.shutdown().catch(() => {}),
  }
}

/** Epoch milliseconds as OTel's [seconds, nanoseconds]. */
function hrTimeOf(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000)
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)]
}
