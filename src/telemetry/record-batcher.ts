/**
 * A bounded batch queue in front of an exporter, for items already encoded (log records as
 * OTLP/JSON text, otlp-log-json.ts): what the SDK's BatchLogRecordProcessor does, without
 * record objects. A full batch leaves at once, a partial one after `delayMs`; past
 * `maxQueueSize` waiting items new ones are dropped and counted, never buffered without limit.
 */
import type { ExportResult } from '@opentelemetry/core'

/** The exporter side (OtlpJsonExporter): calls back once per batch, never throws. */
export interface BatchSender<T> {
  export(items: T[], done: (result: ExportResult) => void): void
  forceFlush(): Promise<void>
  shutdown(): Promise<void>
}

export interface RecordBatcherOptions {
  maxQueueSize: number
  maxBatchSize: number
  delayMs: number
  /** Told how many items were dropped because the queue was full or shut down. */
  onDropped: (count: number) => void
}

/**
 * @example
 * const batcher = new RecordBatcher(exporter, { maxQueueSize: 2048, maxBatchSize: 512, delayMs: 1000, onDropped })
 * batcher.add(logRecordJson(record))
 * await batcher.shutdown()
 */
export class RecordBatcher<T> {
  #queue: T[] = []
  #timer: ReturnType<typeof setTimeout> | undefined
  #shutDown = false

  constructor(
    private readonly sender: BatchSender<T>,
    private readonly options: RecordBatcherOptions,
  ) {}

  add(item: T): void {
    if (this.#shutDown || this.#queue.length >= this.options.maxQueueSize) return this.options.onDropped(1)
    this.#queue.push(item)
    if (this.#queue.length >= this.options.maxBatchSize) void this.#sendOne()
    else this.#schedule()
  }

  /** Sends everything waiting, then waits for every export started so far. */
  async forceFlush(): Promise<void> {
    const sends: Promise<void>[] = []
    while (this.#queue.length > 0) sends.push(this.#sendOne())
    await Promise.all(sends)
    await this.sender.forceFlush()
  }

  async shutdown(): Promise<void> {
    await this.forceFlush()
    this.#shutDown = true
    await this.sender.shutdown()
  }

  #schedule(): void {
    if (this.#timer) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      while (this.#queue.length > 0) void this.#sendOne()
    }, this.options.delayMs)
    this.#timer.unref?.()
  }

  #sendOne(): Promise<void> {
    const batch = this.#queue.splice(0, this.options.maxBatchSize)
    if (this.#queue.length === 0 && this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    } else if (this.#queue.length > 0) {
      this.#schedule()
    }
    return new Promise((resolve) => this.sender.export(batch, () => resolve()))
  }
}
