/**
 * Child spans built only for kept traces. Most traces are dropped at the end of their unit
 * of work (sampling.ts), yet an SDK span costs the same either way: ids, attribute maps,
 * a context to run in, and a wait in the kept-trace processor before being let go. A
 * deferred child records its name, attributes, start and end (performance.now) and any
 * error in a small object; when its unit's trace is kept, the span is built then from those
 * records, with its real times, as a child of the unit's root span. Dropped traces never
 * build one.
 *
 * For short steps that start no spans of their own and write no log lines (the code inside
 * runs in the parent's context): the cache lookup on the hit path.
 */
import { SpanKind, SpanStatusCode, type AttributeValue, type Attributes, type Tracer } from '@opentelemetry/api'
import { unitOf, type DeferredChild, type WorkUnit } from './work-unit.ts'
import { withSpan } from './tracing.ts'

/** What the step may do to its span: set attributes. */
export interface SpanAttributeSink {
  setAttribute(key: string, value: AttributeValue): void
}

const DISCARD: SpanAttributeSink = { setAttribute() {} }

class DeferredSpan implements DeferredChild, SpanAttributeSink {
  readonly start = performance.now()
  end = 0
  error: unknown = undefined
  failed = false

  constructor(
    readonly tracer: Tracer,
    readonly name: string,
    readonly attributes: Attributes,
    readonly kind: SpanKind,
  ) {}

  setAttribute(key: string, value: AttributeValue): void {
    this.attributes[key] = value
  }

  materialise(unit: WorkUnit): void {
    // Under the unit itself: the service's tracer then builds a record, not an SDK span (unit-tracer.ts).
    const parent = unit.context
    const span = this.tracer.startSpan(this.name, { kind: this.kind, attributes: this.attributes, startTime: this.start }, parent)
    if (this.failed) {
      const error = this.error instanceof Error ? this.error : new Error(String(this.error))
      span.recordException(error, this.end)
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message })
      span.setAttribute('error.type', error.name)
    }
    span.end(this.end)
  }
}

/**
 * Like withSpan, but the span exists only if the active unit's trace is kept. Outside a
 * unit, or once its decision is made, it is an ordinary withSpan; under a root that does
 * not record (telemetry off), `fn` just runs.
 *
 * @example
 * const hit = await withDeferredSpan(tracer, 'tts.cache.lookup', { 'tts.cache.backend': 'memory' }, async (span) => {
 *   const entry = await cache.get(key)
 *   span.setAttribute('tts.cache.result', entry ? 'cache_hit' : 'miss')
 *   return entry
 * })
 */
export async function withDeferredSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  fn: (span: SpanAttributeSink) => Promise<T> | T,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  const unit = unitOf()
  if (!unit?.pending) return withSpan(tracer, name, attributes, fn, kind)
  if (!unit.span.isRecording()) return fn(DISCARD)
  const deferred = new DeferredSpan(tracer, name, { ...attributes }, kind)
  try {
    return await fn(deferred)
  } catch (err) {
    deferred.failed = true
    deferred.error = err
    throw err
  } finally {
    deferred.end = performance.now()
    unit.defer(deferred)
  }
}
