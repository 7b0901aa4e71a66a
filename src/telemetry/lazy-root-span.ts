/**
 * A root span that is not an SDK object until its trace is kept (sampling.ts). Most traces
 * are dropped at the end of their unit of work, yet an SDK span costs the same either way:
 * its attribute maps and checks, the processors' start and end, and a place in the kept-trace
 * processor's bookkeeping. This one has its ids from the start (children, log lines,
 * exemplars and `traceresponse` see them as always) and records what is done to it with the
 * times it was done. When it ends marked kept (`tts.sampling.keep`), the SDK span is built
 * with the same ids, start time, attributes, events, links, status and name, and ended at its
 * real end; otherwise nothing is built, and the spans of its trace waiting in the kept-trace
 * processor are let go.
 */
import {
  SpanStatusCode,
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api'
import { KEEP_ATTRIBUTE } from './sampling.ts'

/** What a lazy root needs from the tracing it belongs to (root-spans.ts). */
export interface RootSpanBuilder {
  /** Builds and returns the SDK span with exactly the ids of `context`, started at `startTime` (performance.now). */
  build(context: SpanContext, name: string, kind: SpanKind, attributes: Attributes, links: Link[], startTime: number, parent: Context): Span
  /** The root of `traceId` ended without being kept. */
  dropped(traceId: string): void
}

type Replay = (span: Span) => void

/**
 * @example
 * const span = new LazyRootSpan(builder, { traceId, spanId, traceFlags: TraceFlags.SAMPLED }, 'GET', SpanKind.SERVER, attributes, [], parent)
 * span.setAttribute('http.route', '/v1/voices')
 * span.end() // built (and exported) only if tts.sampling.keep was set
 */
export class LazyRootSpan implements Span {
  readonly #startTime = performance.now()
  #ended = false
  #status: SpanStatus | undefined
  // Events and exceptions in order, each with the time it happened.
  #replays: Replay[] | undefined

  constructor(
    private readonly builder: RootSpanBuilder,
    private readonly context: SpanContext,
    private name: string,
    private readonly kind: SpanKind,
    private readonly attributes: Attributes,
    private readonly links: Link[],
    private readonly parent: Context,
  ) {}

  spanContext(): SpanContext {
    return this.context
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (!this.#ended && value != null) this.attributes[key] = value
    return this
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) this.setAttribute(key, attributes[key]!)
    return this
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    const at = time ?? (isTime(attributesOrTime) ? attributesOrTime : performance.now())
    const attributes = isTime(attributesOrTime) ? undefined : attributesOrTime
    return this.#record((span) => span.addEvent(name, attributes, at))
  }

  addLink(link: Link): this {
    if (!this.#ended) this.links.push(link)
    return this
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link)
    return this
  }

  setStatus(status: SpanStatus): this {
    // As the SDK: once OK, it stays OK; UNSET never replaces a status.
    if (!this.#ended && this.#status?.code !== SpanStatusCode.OK && status.code !== SpanStatusCode.UNSET) this.#status = { ...status }
    return this
  }

  updateName(name: string): this {
    if (!this.#ended) this.name = name
    return this
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const at = time ?? performance.now()
    this.#record((span) => span.recordException(exception, at))
  }

  isRecording(): boolean {
    return !this.#ended
  }

  end(endTime?: TimeInput): void {
    if (this.#ended) return
    this.#ended = true
    const end = endTime ?? performance.now()
    if (this.attributes[KEEP_ATTRIBUTE] !== true) return this.builder.dropped(this.context.traceId)
    const span = this.builder.build(this.context, this.name, this.kind, this.attributes, this.links, this.#startTime, this.parent)
    for (const replay of this.#replays ?? []) replay(span)
    if (this.#status) span.setStatus(this.#status)
    span.end(end)
  }

  #record(replay: Replay): this {
    if (!this.#ended) (this.#replays ??= []).push(replay)
    return this
  }
}

function isTime(value: unknown): value is TimeInput {
  return typeof value === 'number' || value instanceof Date || (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number')
}
