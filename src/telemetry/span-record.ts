/**
 * A kept span as a plain record, built at its trace's decision from what a lazy span held
 * (lazy-span.ts) and handed straight to the export batch: no SDK Span, no tracer, no span
 * processor chain. The SDK's SpanImpl cost 100-150 µs per kept trace on the cache-hit path
 * (bench/RESULTS.md, fourth session), most of it in work a finished span does not need
 * (processors' onStart/onEnd, per-call ended checks, its own clock reading per span).
 *
 * It keeps what the SDK's span did for us, rule for rule (@opentelemetry/sdk-trace-base
 * 2.8.0, src/Span.ts), so an exported record decodes to the span the SDK would have sent:
 * - span limits, the ones the SDK's tracer resolved from OTEL_SPAN_* / OTEL_ATTRIBUTE_*
 *   (unit-tracer.ts hands them over): attributes past the count are dropped and counted, string
 *   values truncated to the length limit; past the event or link limit the oldest is dropped
 *   and counted (the spec: "Span Limits" in the trace SDK specification);
 * - exception events as the spec's "Record Exception" and the semantic conventions name them:
 *   event `exception` with `exception.type` (the error's code, else its name),
 *   `exception.message` and `exception.stacktrace`, at the time it was recorded;
 * - status (UNSET never replaces one, OK is final, a message only with ERROR), links with
 *   their attributes and dropped counts, events' own times;
 * - times: a performance.now() reading becomes wall time with the offset measured when the
 *   record is made, as the SDK measures it when its span is made; a start after the end is
 *   clamped to the start.
 */
import { diag, SpanStatusCode, type Attributes, type AttributeValue, type Exception, type HrTime, type Link, type SpanContext, type SpanKind, type SpanStatus, type TimeInput } from '@opentelemetry/api'
import {
  hrTimeDuration,
  isAttributeValue,
  isTimeInput,
  isTimeInputHrTime,
  millisToHrTime,
  otperformance,
  sanitizeAttributes,
  type InstrumentationScope,
} from '@opentelemetry/core'
import type { Resource } from '@opentelemetry/resources'
import type { ReadableSpan, SpanLimits, TimedEvent } from '@opentelemetry/sdk-trace-base'
import { ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_STACKTRACE, ATTR_EXCEPTION_TYPE } from '@opentelemetry/semantic-conventions'

/** What every record of one tracer shares. */
export interface SpanRecordSetting {
  resource: Resource
  /** One object for all records (the encoders group spans by scope). */
  scope: InstrumentationScope
  limits: SpanLimits
  /** Where a record goes when it ends: the export batch. */
  sink(span: ReadableSpan): void
}

const hasOwn = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key)

/**
 * The SDK's rule for one more event or link past its count limit: at a limit of 0 the new one
 * is dropped; at the limit the oldest makes room. Returns how many were dropped (0 or 1).
 */
function makeRoom(list: unknown[], limit: number | undefined): number {
  if (limit === 0) return 1
  if (limit === undefined || list.length < limit) return 0
  list.shift()
  return 1
}

// The performance clock's origin in wall time, as [s, ns]: what core's hrTime() works out again for every reading.
const ORIGIN = millisToHrTime(otperformance.timeOrigin)

/**
 * `hrTime(ms)` of @opentelemetry/core (origin + a performance-clock reading), in one step (to the ns).
 *
 * @example
 * wallTime(performance.now()) // [seconds, nanoseconds] since the epoch
 */
export function wallTime(ms: number): HrTime {
  const ns = Math.round(ms * 1e6)
  const seconds = Math.floor(ns / 1e9)
  let s = ORIGIN[0] + seconds
  let n = ORIGIN[1] + (ns - seconds * 1e9)
  if (n >= 1e9) {
    s++
    n -= 1e9
  }
  return [s, n]
}

/**
 * @example
 * const record = new SpanRecord(setting, ids, parentIds, 'GET /v1/voices', SpanKind.SERVER, attributes, [], startedAt)
 * record.recordException(error, failedAt)
 * record.end(endedAt) // handed to setting.sink
 */
export class SpanRecord implements ReadableSpan {
  readonly attributes: Attributes = {}
  readonly links: Link[] = []
  readonly events: TimedEvent[] = []
  readonly resource: Resource
  readonly instrumentationScope: InstrumentationScope
  readonly startTime: HrTime
  status: SpanStatus = { code: SpanStatusCode.UNSET }
  endTime: HrTime = [0, 0]
  duration: HrTime = [-1, -1]
  ended = false
  droppedAttributesCount = 0
  droppedEventsCount = 0
  droppedLinksCount = 0
  #attributeCount = 0
  readonly #setting: SpanRecordSetting
  readonly #context: SpanContext
  // Wall clock minus the performance clock, taken once per span as SpanImpl does.
  readonly #offset: number

  constructor(
    setting: SpanRecordSetting,
    context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    readonly name: string,
    readonly kind: SpanKind,
    attributes: Attributes,
    links: readonly Link[],
    startTime: TimeInput,
  ) {
    this.#setting = setting
    this.#context = context
    this.#offset = Date.now() - (otperformance.now() + otperformance.timeOrigin)
    this.resource = setting.resource
    this.instrumentationScope = setting.scope
    // As the SDK's Tracer.startSpan: links' attributes sanitised, then each added under the limits.
    for (const link of links) this.addLink(link)
    this.startTime = this.#time(startTime)
    this.setAttributes(sanitizeAttributes(attributes))
  }

  spanContext(): SpanContext {
    return this.#context
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (value == null || this.ended) return this
    if (key.length === 0 || !isAttributeValue(value)) {
      diag.warn(`Invalid attribute ${key ? `value set for key: ${key}` : 'key'}`)
      return this
    }
    const isNew = !hasOwn(this.attributes, key)
    const { attributeCountLimit } = this.#setting.limits
    if (attributeCountLimit !== undefined && this.#attributeCount >= attributeCountLimit && isNew) {
      this.droppedAttributesCount++
      return this
    }
    this.attributes[key] = this.#truncated(value)
    if (isNew) this.#attributeCount++
    return this
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) if (hasOwn(attributes, key)) this.setAttribute(key, attributes[key]!)
    return this
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this
    const { eventCountLimit } = this.#setting.limits
    this.droppedEventsCount += makeRoom(this.events, eventCountLimit)
    if (eventCountLimit === 0) return this
    let attributes: Attributes | undefined
    if (isTimeInput(attributesOrTime)) {
      if (!isTimeInput(time)) time = attributesOrTime
    } else attributes = attributesOrTime
    const limited = this.#limited(attributes, this.#setting.limits.attributePerEventCountLimit)
    this.events.push({ name, attributes: limited.attributes, time: this.#time(time), droppedAttributesCount: limited.dropped })
    return this
  }

  addLink(link: Link): this {
    if (this.ended) return this
    const { linkCountLimit } = this.#setting.limits
    this.droppedLinksCount += makeRoom(this.links, linkCountLimit)
    if (linkCountLimit === 0) return this
    const { attributes, dropped, count } = this.#limited(link.attributes, this.#setting.limits.attributePerLinkCountLimit)
    this.links.push({ context: link.context, ...(count > 0 && { attributes }), ...(dropped > 0 && { droppedAttributesCount: dropped }) })
    return this
  }

  setStatus(status: SpanStatus): this {
    if (this.ended || status.code === SpanStatusCode.UNSET || this.status.code === SpanStatusCode.OK) return this
    this.status = status.code === SpanStatusCode.ERROR && typeof status.message === 'string' ? { code: status.code, message: status.message } : { code: status.code }
    return this
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {}
    if (typeof exception === 'string') attributes[ATTR_EXCEPTION_MESSAGE] = exception
    else if (exception) {
      if (exception.code) attributes[ATTR_EXCEPTION_TYPE] = exception.code.toString()
      else if (exception.name) attributes[ATTR_EXCEPTION_TYPE] = exception.name
      if (exception.message) attributes[ATTR_EXCEPTION_MESSAGE] = exception.message
      if (exception.stack) attributes[ATTR_EXCEPTION_STACKTRACE] = exception.stack
    }
    if (attributes[ATTR_EXCEPTION_TYPE] || attributes[ATTR_EXCEPTION_MESSAGE]) this.addEvent('exception', attributes, time)
    else diag.warn(`Failed to record an exception ${String(exception)}`)
  }

  /** Ends the record at `endTime` and hands it to the batch. Once. */
  end(endTime?: TimeInput): void {
    if (this.ended) return
    this.endTime = this.#time(endTime)
    this.duration = hrTimeDuration(this.startTime, this.endTime)
    if (this.duration[0] < 0) {
      this.endTime = [this.startTime[0], this.startTime[1]]
      this.duration = [0, 0]
    }
    this.ended = true
    this.#setting.sink(this)
  }

  #time(input: TimeInput | undefined): HrTime {
    if (typeof input === 'number') return input <= otperformance.now() ? wallTime(input + this.#offset) : millisToHrTime(input)
    if (input instanceof Date) return millisToHrTime(input.getTime())
    if (isTimeInputHrTime(input)) return input
    return millisToHrTime(Date.now())
  }

  #truncated(value: AttributeValue): AttributeValue {
    const limit = this.#setting.limits.attributeValueLengthLimit ?? 0
    if (limit <= 0) return value
    if (typeof value === 'string') return value.length <= limit ? value : value.substring(0, limit)
    if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' && v.length > limit ? v.substring(0, limit) : v)) as AttributeValue
    return value
  }

  /** An event's or link's attributes, sanitised, the count past `limit` dropped and counted. */
  #limited(given: Attributes | undefined, limit: number | undefined): { attributes: Attributes; dropped: number; count: number } {
    const sanitized = sanitizeAttributes(given)
    const attributes: Attributes = {}
    let dropped = 0
    let count = 0
    for (const key in sanitized) {
      if (limit !== undefined && count >= limit) {
        dropped++
        continue
      }
      attributes[key] = this.#truncated(sanitized[key]!)
      count++
    }
    return { attributes, dropped, count }
  }
}
