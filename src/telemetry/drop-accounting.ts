/**
 * Counts telemetry the SDK's batch processors drop. They drop silently when their queue
 * is full (the collector is slow, down or hanging); this mirrors their queue occupancy
 * from the outside (items admitted minus items handed to the exporter) so every drop
 * reaches a metric. Export failures are counted by the exporter itself (otlp-exporter.ts).
 */
import { TraceFlags, type Context } from '@opentelemetry/api'
import type { LogRecordExporter, LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs'
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base'

export type DropHook = (signal: 'traces' | 'logs', count: number) => void

/** The occupancy of a bounded batch queue, tracked alongside it. */
class QueueAccount {
  #pending = 0
  constructor(private readonly max: number) {}
  /** False when the queue is full: the processor is about to drop this item. */
  admit(): boolean {
    if (this.#pending >= this.max) return false
    this.#pending++
    return true
  }
  handed(count: number): void {
    this.#pending = Math.max(0, this.#pending - count)
  }
}

/** What both SDK exporter interfaces share. */
interface BatchExporter<T> {
  export(items: T[], done: Parameters<SpanExporter['export']>[1]): void
  shutdown(): Promise<void>
  forceFlush?(): Promise<void>
}

/** The exporter the batch processor sees: every batch it hands over leaves the account. */
function handedOff<T, E extends BatchExporter<T>>(exporter: E, account: QueueAccount): E {
  return {
    export: (items: T[], done: Parameters<E['export']>[1]) => {
      account.handed(items.length)
      exporter.export(items, done)
    },
    shutdown: () => exporter.shutdown(),
    ...(exporter.forceFlush && { forceFlush: () => exporter.forceFlush!() }),
  } as E
}

/**
 * Wraps a BatchSpanProcessor (built by `make` around the given exporter) so queue-full drops are counted.
 *
 * @example
 * const processor = countingSpanProcessor(exporter, 2048, (e) => new BatchSpanProcessor(e, { maxQueueSize: 2048 }), onDropped)
 */
export function countingSpanProcessor(
  exporter: SpanExporter,
  maxQueueSize: number,
  make: (exporter: SpanExporter) => SpanProcessor,
  onDropped: DropHook,
): SpanProcessor {
  const account = new QueueAccount(maxQueueSize)
  const inner = make(handedOff<ReadableSpan, SpanExporter>(exporter, account))
  return {
    onStart: (span: Span, context: Context) => inner.onStart(span, context),
    onEnd(span: ReadableSpan) {
      // The batch processor only queues sampled spans.
      if (span.spanContext().traceFlags & TraceFlags.SAMPLED && !account.admit()) onDropped('traces', 1)
      inner.onEnd(span)
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
  }
}

/**
 * The same for a BatchLogRecordProcessor.
 *
 * @example
 * const processor = countingLogProcessor(exporter, 2048, (e) => new BatchLogRecordProcessor(e, { maxQueueSize: 2048 }), onDropped)
 */
export function countingLogProcessor(
  exporter: LogRecordExporter,
  maxQueueSize: number,
  make: (exporter: LogRecordExporter) => LogRecordProcessor,
  onDropped: DropHook,
): LogRecordProcessor {
  const account = new QueueAccount(maxQueueSize)
  const inner = make(handedOff<ReadableLogRecord, LogRecordExporter>(exporter, account))
  return {
    onEmit(record: SdkLogRecord, context?: Context) {
      if (!account.admit()) onDropped('logs', 1)
      inner.onEmit(record, context)
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
  }
}
