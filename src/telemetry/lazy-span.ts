/**
 * A span that is not built until its trace is kept (sampling.ts). Most traces are
 * dropped at the end of their unit of work, yet an SDK span costs the same either way: its
 * attribute maps and checks, the processors' start and end, and a place in the kept-trace
 * processor's bookkeeping. This one has its ids from the start (children, log lines,
 * exemplars, `traceresponse` and `traceparent` see them as always) and records what is done
 * to it with the times it was done. Built (a span-record.ts record in the service), it is the
 * span the SDK would have made: the same ids, parent, start time, attributes, events, links,
 * status and name, ended at its real end.
 * When it is built is its owner's call (`onEnd`): a root when it ends marked kept, a child
 * once its unit's trace is kept (unit-tracer.ts); a span of a dropped trace never is.
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

/** What a built span is told, in order, before it ends (an SDK span or a span-record.ts record). */
export interface BuiltSpan {
  addEvent(name: string, attributes?: Attributes, time?: TimeInput): unknown
  recordException(exception: Exception, time?: TimeInput): void
  setStatus(status: SpanStatus): unknown
  end(endTime?: TimeInput): void
}

/** What a lazy span is built with. */
export interface SpanBuilder {
  /**
   * Builds the span with exactly the ids of `context`, as a child of `parent`: the span in
   * a context (if any), or a parent's ids alone (a child held by its unit: its context is made
   * only if it is built). Ending the built span exports it.
   */
  build(context: SpanContext, name: string, kind: SpanKind, attributes: Attributes, links: Link[], startTime: TimeInput, parent: Context | SpanContext): BuiltSpan
}

type Replay = (span: BuiltSpan) => void

/**
 * @example
 * const span = new LazySpan(builder, { traceId, spanId, traceFlags: TraceFlags.SAMPLED }, 'GET', SpanKind.SERVER, attributes, [], parent, performance.now(), (s) => {
 *   if (s.attributes[KEEP_ATTRIBUTE] === true) s.materialise()
 * })
 * span.setAttribute('http.route', '/v1/voices')
 * span.end() // built (and exported) only if tts.sampling.keep was set
 */
export class LazySpan implements Span {
  #ended = false
  #endTime: TimeInput = 0
  #status: SpanStatus | undefined
  // Events and exceptions in order, each with the time it happened.
  #replays: Replay[] | undefined
  #added: Link[] | undefined

  constructor(
    private readonly builder: SpanBuilder,
    private readonly context: SpanContext,
    private name: string,
    private readonly kind: SpanKind,
    /** What was set so far (read by onEnd to see a keep mark). */
    readonly attributes: Attributes,
    /** Links given at start (not written to). */
    private readonly links: readonly Link[],
    /** The parent it is built under: a context holding the parent span (or none), or the parent's ids. */
    private readonly parent: Context | SpanContext,
    private readonly startTime: TimeInput,
    /** Called once, when the span ends: build it now (materialise), later, or never. */
    private readonly onEnd: (span: LazySpan) => void,
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
    // The list given may be shared (the tracer's empty one): added links are the span's own.
    if (!this.#ended) (this.#added ??= []).push(link)
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
    this.#endTime = endTime ?? performance.now()
    this.onEnd(this)
  }

  /** Builds the span, replays what was done to it, and ends it at its end. Once; only after end(). */
  materialise(): void {
    // A list of the built span's own (the one given may be shared).
    const links = [...this.links, ...(this.#added ?? [])]
    const span = this.builder.build(this.context, this.name, this.kind, this.attributes, links, this.startTime, this.parent)
    for (const replay of this.#replays ?? []) replay(span)
    if (this.#status) span.setStatus(this.#status)
    span.end(this.#endTime)
  }

  #record(replay: Replay): this {
    if (!this.#ended) (this.#replays ??= []).push(replay)
    return this
  }
}

function isTime(value: unknown): value is TimeInput {
  return typeof value === 'number' || value instanceof Date || (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number')
}
