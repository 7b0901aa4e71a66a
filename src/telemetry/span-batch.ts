/**
 * The export batch of spans over OTLP/HTTP protobuf (the default): each span is encoded into
 * the buffer of the batch it will be sent in when it reaches the batch, as log lines are
 * (otlp-record-batch.ts), instead of waiting in the SDK's BatchSpanProcessor as an object
 * until its batch is encoded. A kept trace's spans are records (span-record.ts) that die
 * young; nothing of them is held for the schedule delay but their bytes.
 *
 * It keeps what the BatchSpanProcessor gave, with the same settings (OTEL_BSP_*): a bounded
 * queue whose drops are counted, batches of at most `maxExportBatchSize` sent as soon as one
 * is full or `scheduledDelayMillis` after the first span, one export at a time, forceFlush
 * and shutdown delivering what was accepted; unsampled spans are not exported, as there.
 * Retries, the timeout and partial-success counts are the exporter's (otlp-exporter.ts).
 */
import { TraceFlags } from '@opentelemetry/api'
import type { InstrumentationScope } from '@opentelemetry/core'
import type { Resource } from '@opentelemetry/resources'
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { DropHook } from './drop-accounting.ts'
import { OtlpRecordBatch } from './otlp-record-batch.ts'
import type { OtlpHttpExporter } from './otlp-exporter.ts'
import { resourceField, scopeField } from './otlp-proto-common.ts'
import { writeSpan } from './otlp-proto-spans.ts'

export interface SpanBatchOptions {
  /** The one resource and scope of every span handed to it (those of the service's one tracer). */
  resource: Resource
  scope: InstrumentationScope
  maxQueueSize: number
  maxExportBatchSize: number
  scheduledDelayMillis: number
  sender: Pick<OtlpHttpExporter<ReadableSpan>, 'send' | 'shutdown'>
  onDropped: DropHook
}

/**
 * A span processor (the last of the chain, and where built records go) that encodes each
 * sampled span as it ends into its OTLP protobuf batch.
 *
 * @example
 * const batch = spanBatch({ resource, scope: { name: 'tts-edge' }, maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 5000, sender: createSpanExporter({ url }), onDropped })
 */
export function spanBatch(options: SpanBatchOptions): SpanProcessor {
  const { sender } = options
  const batch = new OtlpRecordBatch({
    resource: resourceField(options.resource),
    scope: scopeField(options.scope),
    maxQueueSize: options.maxQueueSize,
    maxExportBatchSize: options.maxExportBatchSize,
    scheduledDelayMillis: options.scheduledDelayMillis,
    send: (body, count, done) => sender.send(body, count, done),
    onDropped: options.onDropped,
    signal: 'traces',
  })
  return {
    onStart() {},
    onEnd(span: ReadableSpan) {
      if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return
      batch.add((w) => writeSpan(w, span))
    },
    forceFlush: () => batch.forceFlush(),
    shutdown: () => batch.shutdown().then(() => sender.shutdown()),
  }
}
