/**
 * OTLP records (log records, and kept spans: span-batch.ts) encoded as protobuf the moment
 * they are handed over, straight into the buffer of the batch they will be sent in: no record
 * object waits in a queue and nothing is encoded at export time but a few header bytes. One
 * class serves both signals because ExportTraceServiceRequest nests ResourceSpans ->
 * ScopeSpans -> spans with the same field numbers as ExportLogsServiceRequest nests its
 * records.
 *
 * It keeps what the SDK's batch processors gave: a bounded queue (records past
 * `maxQueueSize` are dropped and counted under `signal`), batches of at most
 * `maxExportBatchSize` sent as soon as one is full or `scheduledDelayMillis` after the first
 * record, one export at a time, and forceFlush/shutdown that deliver everything accepted
 * before them. Retries, the timeout and partial-success counts are the exporter's
 * (otlp-exporter.ts).
 *
 * A batch's buffer starts with room for the request's header (resource and scope), written
 * in front of the records when the batch is sealed, so the request body is the buffer itself.
 */
import type { ExportResult } from '@opentelemetry/core'
import type { DropHook } from './drop-accounting.ts'
import { ProtoWriter, varintSize } from './otlp-proto-writer.ts'

export interface OtlpRecordBatchOptions {
  /** Field 1 of ResourceLogs or ResourceSpans (the Resource, with its key), from resourceField(). */
  resource: Uint8Array
  /** Field 1 of ScopeLogs or ScopeSpans (the InstrumentationScope, with its key), from scopeField(). */
  scope: Uint8Array
  maxQueueSize: number
  maxExportBatchSize: number
  scheduledDelayMillis: number
  /** Sends one request body of `count` records and calls back once (OtlpHttpExporter.send). */
  send(body: () => Uint8Array<ArrayBuffer>, count: number, done: (result: ExportResult) => void): void
  onDropped: DropHook
  /** What a drop is counted as (default `logs`). */
  signal?: 'logs' | 'traces'
}

interface Sealed {
  body: Uint8Array<ArrayBuffer>
  count: number
  writer: ProtoWriter
}

export class OtlpRecordBatch {
  readonly #options: OtlpRecordBatchOptions
  readonly #headerRoom: number
  readonly #signal: 'logs' | 'traces'
  #writer: ProtoWriter
  #count = 0
  #sealed: Sealed[] = []
  #queued = 0
  #exporting = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #spare: ProtoWriter | undefined
  #capacity = 64 * 1024
  #idle: (() => void)[] = []
  #shutDown = false

  constructor(options: OtlpRecordBatchOptions) {
    this.#options = options
    this.#signal = options.signal ?? 'logs'
    // Two keys and two lengths of at most five bytes each, then the resource and scope.
    this.#headerRoom = options.resource.length + options.scope.length + 12
    this.#writer = this.#fresh()
  }

  /**
   * Adds one record, written by `write` into the batch (as field 2 of ScopeLogs or ScopeSpans), or counts
   * it dropped when the queue is full, the batch shut down, or `write` throws. Never throws.
   */
  add(write: (w: ProtoWriter) => void): void {
    if (this.#shutDown || this.#queued >= this.#options.maxQueueSize) {
      this.#options.onDropped(this.#signal, 1)
      return
    }
    const w = this.#writer
    const start = w.pos
    try {
      write(w)
    } catch {
      // A record that cannot be encoded is dropped whole; the batch's other records stay intact.
      w.pos = start
      this.#options.onDropped(this.#signal, 1)
      return
    }
    this.#count++
    this.#queued++
    if (this.#count >= this.#options.maxExportBatchSize) {
      this.#seal()
      this.#next()
    } else if (!this.#exporting) this.#schedule()
  }

  /** Sends every record added so far; resolves once all of them are delivered or given up on. */
  async forceFlush(): Promise<void> {
    this.#seal()
    while (this.#exporting || this.#sealed.length > 0) {
      const idle = new Promise<void>((resolve) => this.#idle.push(resolve))
      this.#next()
      await idle
    }
  }

  /** Delivers what was accepted, then refuses (and counts) anything later. */
  async shutdown(): Promise<void> {
    this.#shutDown = true
    await this.forceFlush()
  }

  #fresh(): ProtoWriter {
    // Sized like the last full batch, so a new buffer is not grown (and copied) four times over.
    const writer = this.#spare ?? new ProtoWriter(this.#capacity)
    this.#spare = undefined
    writer.pos = this.#headerRoom
    return writer
  }

  /** Closes the batch being filled: its header goes in front, and it joins the queue to send. */
  #seal(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    if (this.#count === 0) return
    const w = this.#writer
    const { resource, scope } = this.#options
    const records = w.pos - this.#headerRoom
    const scopeLogs = scope.length + records
    const resourceLogs = resource.length + 1 + varintSize(scopeLogs) + scopeLogs
    const header = 1 + varintSize(resourceLogs) + resourceLogs - scopeLogs + scope.length
    const end = w.pos
    this.#capacity = Math.max(this.#capacity, Math.min(w.buf.length, 16 * 1024 * 1024))
    w.pos = this.#headerRoom - header
    const start = w.pos
    w.tag(1, 2)
    w.varint(resourceLogs)
    w.raw(resource)
    w.tag(2, 2)
    w.varint(scopeLogs)
    w.raw(scope)
    this.#sealed.push({ body: w.buf.subarray(start, end), count: this.#count, writer: w })
    this.#count = 0
    this.#writer = this.#fresh()
  }

  /** Starts the next export unless one is running. */
  #next(): void {
    if (this.#exporting) return
    const batch = this.#sealed.shift()
    if (!batch) {
      this.#settled()
      return
    }
    this.#exporting = true
    this.#queued -= batch.count
    this.#options.send(
      () => batch.body,
      batch.count,
      () => {
        this.#exporting = false
        this.#spare = batch.writer
        if (this.#sealed.length > 0) this.#next()
        else {
          this.#settled()
          // Records that came while this batch was out wait their scheduled delay, as in the SDK.
          if (this.#count > 0) this.#schedule()
        }
      },
    )
  }

  /** Seals and sends the batch being filled once the schedule delay has passed (unless already due). */
  #schedule(): void {
    if (this.#timer !== undefined) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#seal()
      this.#next()
    }, this.#options.scheduledDelayMillis)
    this.#timer.unref?.()
  }

  #settled(): void {
    const idle = this.#idle
    this.#idle = []
    for (const resolve of idle) resolve()
  }
}
