/**
 * The tracer createTracing hands out: spans are SDK objects only in traces that are kept
 * (sampling.ts). It asks the sampler at once, as the SDK would (a span the sampler would not
 * record costs nothing), and otherwise hands out LazySpans (lazy-span.ts) with their ids:
 *
 * - a root (no parent here, or a remote one) is built when it ends marked kept
 *   (`tts.sampling.keep`); a root ending unmarked only settles its trace in the kept-trace
 *   processor, which lets the trace's waiting spans go;
 * - a child inside a unit of work whose decision is pending is held by the unit and built if
 *   the trace is kept (as deferred-span.ts does for steps it wraps);
 * - once the decision is made: an SDK span in a kept trace, a non-recording span (ids only)
 *   in a dropped one; outside any unit, an SDK span as before.
 *
 * Built spans come from a tracer of their own that records everything and takes the ids it is
 * given (PresetIds), so a kept span is the one its children, logs and exemplars already point
 * at, and it reaches the same kept-trace processor.
 */
import {
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
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
import type { Resource } from '@opentelemetry/resources'
import { AlwaysOnSampler, BasicTracerProvider, RandomIdGenerator, type IdGenerator, type Sampler } from '@opentelemetry/sdk-trace-base'
import type { KeptTraceProcessor } from './kept-trace-processor.ts'
import { LazySpan, type SpanBuilder } from './lazy-span.ts'
import { KEEP_ATTRIBUTE } from './sampling.ts'
import { unitOf } from './work-unit.ts'

/**
 * Ids for the next span only, then random ones: how a span is built with ids chosen earlier.
 *
 * @example
 * ids.preset(traceId, spanId)
 * const span = tracer.startSpan(name, options, parent) // has exactly those ids
 */
export class PresetIds implements IdGenerator {
  readonly #random = new RandomIdGenerator()
  #traceId: string | undefined
  #spanId: string | undefined

  preset(traceId: string | undefined, spanId: string | undefined): void {
    this.#traceId = traceId
    this.#spanId = spanId
  }

  generateTraceId(): string {
    const id = this.#traceId ?? this.#random.generateTraceId()
    this.#traceId = undefined
    return id
  }

  generateSpanId(): string {
    const id = this.#spanId ?? this.#random.generateSpanId()
    this.#spanId = undefined
    return id
  }
}

export interface UnitTracerSetup {
  /** The sampler of `sdk`'s provider. */
  sampler: Sampler
  /** Where `sdk`'s spans go: built spans are handed to it too, dropped roots settled. */
  processor: KeptTraceProcessor
  resource?: Resource
}

const ids = new RandomIdGenerator()

/**
 * Wraps `sdk` (a tracer of a provider whose spans go to `setup.processor`).
 *
 * @example
 * const tracer = unitTracer(provider.getTracer('tts-edge'), { sampler, processor: kept, resource })
 */
export function unitTracer(sdk: Tracer, setup: UnitTracerSetup): Tracer {
  const preset = new PresetIds()
  const builderTracer = new BasicTracerProvider({
    ...(setup.resource && { resource: setup.resource }),
    sampler: new AlwaysOnSampler(),
    idGenerator: preset,
    spanProcessors: [setup.processor],
  }).getTracer('tts-edge')
  const builder: SpanBuilder = {
    build(ids, name, kind, attributes, links, startTime, parent) {
      const under = 'traceId' in parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : parent
      preset.preset(ids.traceId, ids.spanId)
      try {
        return builderTracer.startSpan(name, { kind, attributes, links, startTime }, under)
      } finally {
        preset.preset(undefined, undefined) // a child takes its trace id from its parent
      }
    },
  }
  const endRoot = (span: LazySpan) => {
    if (span.attributes[KEEP_ATTRIBUTE] === true) span.materialise()
    else setup.processor.settle(span.spanContext().traceId, false)
  }
  const noLinks: Link[] = []

  function startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    const parentContext = options.root ? trace.deleteSpan(ctx) : ctx
    const parent = trace.getSpanContext(parentContext)
    const hasParent = parent !== undefined && isSpanContextValid(parent)
    const local = hasParent && !parent.isRemote
    const unit = local ? unitOf(parentContext) : undefined
    if (local && !unit) return sdk.startSpan(name, options, ctx) // outside any unit: as before
    if (unit && !unit.pending) {
      if (unit.kept) return sdk.startSpan(name, options, ctx)
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
    return new LazySpan(builder, spanContext, name, kind, attributes, links, parent!, startTime, unit.endChild)
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
