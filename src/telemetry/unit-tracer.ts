/**
 * The tracer createTracing hands out: spans inside units of work are built only in traces
 * that are kept (sampling.ts), and then as plain records (span-record.ts), not SDK spans. It asks the sampler at once, as the SDK would (a span the sampler would not
 * record costs nothing), and otherwise hands out LazySpans (lazy-span.ts) with their ids:
 *
 * - a root (no parent here, or a remote one) is built when it ends marked kept
 *   (`tts.sampling.keep`); a root ending unmarked only settles its trace in the kept-trace
 *   processor, which lets the trace's waiting spans go;
 * - a child inside a unit of work whose decision is pending is held by the unit and built if
 *   the trace is kept (as deferred-span.ts does for steps it wraps);
 * - once the decision is made: a lazy span built as it ends in a kept trace, a non-recording
 *   span (ids only) in a dropped one; outside any unit, an SDK span as before (sessions'
 *   spans, spans of work that outlives its request).
 *
 * A built span is a SpanRecord with exactly the lazy span's ids, so it is the span its
 * children, logs and exemplars already point at, and it goes straight to the export batch
 * (`setup.batch`): every built span belongs to a kept trace, so the kept-trace processor only
 * hears its root's decision (settle), for the SDK spans of the trace that wait there.
 */
import {
  context,
  isSpanContextValid,
  SamplingDecision,
  SpanKind,
  trace,
  TraceFlags,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api'
import type { InstrumentationScope } from '@opentelemetry/core'
import { defaultResource, type Resource } from '@opentelemetry/resources'
import { BasicTracerProvider, RandomIdGenerator, type Sampler, type SpanLimits, type SpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { KeptTraceProcessor } from './kept-trace-processor.ts'
import { LazySpan, type SpanBuilder } from './lazy-span.ts'
import { SpanRecord, type SpanRecordSetting } from './span-record.ts'
import { KEEP_ATTRIBUTE } from './sampling.ts'
import { unitOf } from './work-unit.ts'

export interface UnitTracerSetup {
  /** The sampler of `sdk`'s provider. */
  sampler: Sampler
  /** Where `sdk`'s spans go; the roots of built and dropped traces are settled in it. */
  processor: KeptTraceProcessor
  /**
   * Where built spans go: the export batch behind `processor` (every built span belongs to a
   * kept trace, so none needs its filter). Default: `processor` itself.
   */
  batch?: Pick<SpanProcessor, 'onEnd'>
  /** The resource of `sdk`'s provider (default: the SDK's default resource). */
  resource?: Resource
}

/** What an SDK tracer has beyond the API's: the limits it resolved and its scope. */
interface SdkTracerParts {
  getSpanLimits?(): SpanLimits
  instrumentationScope?: InstrumentationScope
}

const ids = new RandomIdGenerator()

/**
 * Wraps `sdk` (a tracer of a provider whose spans go to `setup.processor`).
 *
 * @example
 * const tracer = unitTracer(provider.getTracer('tts-edge'), { sampler, processor: kept, resource })
 */
export function unitTracer(sdk: Tracer, setup: UnitTracerSetup): Tracer {
  const parts = sdk as Tracer & SdkTracerParts
  const sdkDefaults = () => (new BasicTracerProvider().getTracer('tts-edge') as Tracer & SdkTracerParts).getSpanLimits!()
  const batch = setup.batch ?? setup.processor
  const setting: SpanRecordSetting = {
    resource: setup.resource ?? defaultResource(),
    scope: parts.instrumentationScope ?? { name: 'tts-edge' },
    // The limits `sdk` resolved from OTEL_SPAN_* / OTEL_ATTRIBUTE_*, so built spans keep the SDK's.
    limits: parts.getSpanLimits?.() ?? sdkDefaults(),
    sink: (span) => batch.onEnd(span),
  }
  const builder: SpanBuilder = {
    build(ids, name, kind, attributes, links, startTime, parent) {
      const parentIds = 'traceId' in parent ? parent : trace.getSpanContext(parent)
      const valid = parentIds && isSpanContextValid(parentIds) ? parentIds : undefined
      return new SpanRecord(setting, ids, valid, name, kind, attributes, links, startTime)
    },
  }
  const endRoot = (span: LazySpan) => {
    const keep = span.attributes[KEEP_ATTRIBUTE] === true
    if (keep) span.materialise()
    // SDK spans of the trace waiting for their root go on or are let go, and later ones follow.
    setup.processor.settle(span.spanContext().traceId, keep)
  }
  const built = (span: LazySpan) => span.materialise()
  const noLinks: Link[] = []

  function startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    const parentContext = options.root ? trace.deleteSpan(ctx) : ctx
    const parent = trace.getSpanContext(parentContext)
    const hasParent = parent !== undefined && isSpanContextValid(parent)
    const local = hasParent && !parent.isRemote
    const unit = local ? unitOf(parentContext) : undefined
    if (local && !unit) return sdk.startSpan(name, options, ctx) // outside any unit: as before
    if (unit && !unit.pending && !unit.kept) {
      return trace.wrapSpanContext({ traceId: parent!.traceId, spanId: ids.generateSpanId(), traceFlags: parent!.traceFlags })
    }
    const traceId = hasParent ? parent.traceId : ids.generateTraceId()
    const kind = options.kind ?? SpanKind.INTERNAL
    const attributes = { ...options.attributes }
    // Copied only when given: a span's own list, which addLink appends to.
    const links = options.links ? [...options.links] : noLinks
    const sampled = setup.sampler.shouldSample(parentContext, traceId, name, kind, attributes, links)
    const traceState = sampled.traceState ?? (hasParent ? parent.traceState : undefined)
    const spanContext: SpanContext = {
      traceId,
      spanId: ids.generateSpanId(),
      traceFlags: sampled.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
      ...(traceState && { traceState }),
    }
    if (sampled.decision === SamplingDecision.NOT_RECORD) return trace.wrapSpanContext(spanContext)
    Object.assign(attributes, sampled.attributes)
    const startTime = options.startTime ?? performance.now()
    if (!unit) return new LazySpan(builder, spanContext, name, kind, attributes, links, parentContext, startTime, endRoot)
    // Built under its parent's ids, wherever the parent is by then; its context only if built.
    // In a trace already kept, built as it ends.
    return new LazySpan(builder, spanContext, name, kind, attributes, links, parent!, startTime, unit.pending ? unit.endChild : built)
  }

  return {
    startSpan,
    startActiveSpan(name: string, ...args: unknown[]): unknown {
      const fn = args.pop() as (span: Span) => unknown
      const [options, ctx = context.active()] = args as [SpanOptions | undefined, Context | undefined]
      const span = startSpan(name, options, ctx)
      return context.with(trace.setSpan(ctx, span), fn, undefined, span)
    },
  } as Tracer
}
