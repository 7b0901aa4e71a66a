/**
 * Where root spans come from: {@link startRootSpan} asks the tracing's sampler at once (so a
 * root the sampler would not record costs nothing, as before) and hands out a LazyRootSpan
 * (lazy-root-span.ts), built as an SDK span only if its trace is kept. The build goes through
 * a tracer of its own that records everything and takes the ids it is given (PresetIds), so
 * the kept span is the one its children, logs and exemplars already point at, and reaches the
 * same kept-trace processor.
 *
 * Tracers built elsewhere (tests, the no-op tracer with telemetry off) have no registration:
 * their roots are ordinary `tracer.startSpan` spans.
 */
import { SamplingDecision, SpanKind, trace, TraceFlags, type Attributes, type Context, type Link, type Span, type SpanContext, type Tracer } from '@opentelemetry/api'
import type { Resource } from '@opentelemetry/resources'
import { AlwaysOnSampler, BasicTracerProvider, RandomIdGenerator, type IdGenerator, type Sampler } from '@opentelemetry/sdk-trace-base'
import type { KeptTraceProcessor } from './kept-trace-processor.ts'
import { LazyRootSpan, type RootSpanBuilder } from './lazy-root-span.ts'

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

export interface RootSpanSetup {
  /** The sampler of the tracer roots are started for. */
  sampler: Sampler
  /** Where the tracer's spans go: kept roots are handed to it when built, dropped ones settled. */
  processor: KeptTraceProcessor
  resource?: Resource
}

const factories = new WeakMap<Tracer, RootSpanBuilder & { sampler: Sampler }>()
const ids = new RandomIdGenerator()

/**
 * Called by createTracing: roots started for `tracer` are lazy.
 *
 * @example
 * registerRootSpans(tracer, { sampler, processor: keptTracesOnly(batch, { maxWaitingSpans: 2048 }), resource })
 */
export function registerRootSpans(tracer: Tracer, setup: RootSpanSetup): void {
  // Kept roots are built by a tracer of their own that records them, with the ids they already have.
  const preset = new PresetIds()
  const builder = new BasicTracerProvider({
    ...(setup.resource && { resource: setup.resource }),
    sampler: new AlwaysOnSampler(),
    idGenerator: preset,
    spanProcessors: [setup.processor],
  }).getTracer('tts-edge')
  factories.set(tracer, {
    sampler: setup.sampler,
    build(context, name, kind, attributes, links, startTime, parent) {
      preset.preset(context.traceId, context.spanId)
      try {
        return builder.startSpan(name, { kind, attributes, links, startTime }, parent)
      } finally {
        preset.preset(undefined, undefined) // a child of a remote parent takes no trace id
      }
    },
    dropped: (traceId) => setup.processor.settle(traceId, false),
  })
}

export interface RootSpanOptions {
  kind?: SpanKind
  attributes?: Attributes
  links?: Link[]
  /** Start a new trace even if `parent` holds a span (a linked trace). */
  root?: boolean
}

/**
 * Starts the root span of a unit of work (sampling.ts): a child of a remote parent in
 * `parent`, if any, else of nothing.
 *
 * @example
 * const span = startRootSpan(tracer, 'POST', { kind: SpanKind.SERVER, attributes }, propagation.extract(context.active(), headers))
 */
export function startRootSpan(tracer: Tracer, name: string, options: RootSpanOptions, parent: Context): Span {
  const factory = factories.get(tracer)
  if (!factory) return tracer.startSpan(name, options, parent)
  const context = options.root ? trace.deleteSpan(parent) : parent
  const parentSpan = trace.getSpanContext(context)
  const child = parentSpan && trace.isSpanContextValid(parentSpan)
  const traceId = child ? parentSpan.traceId : ids.generateTraceId()
  const kind = options.kind ?? SpanKind.INTERNAL
  const attributes = { ...options.attributes }
  const links = [...(options.links ?? [])]
  const sampled = factory.sampler.shouldSample(context, traceId, name, kind, attributes, links)
  const spanContext: SpanContext = {
    traceId,
    spanId: ids.generateSpanId(),
    traceFlags: sampled.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
    ...((sampled.traceState ?? (child ? parentSpan.traceState : undefined)) && { traceState: sampled.traceState ?? parentSpan!.traceState }),
  }
  if (sampled.decision === SamplingDecision.NOT_RECORD) return trace.wrapSpanContext(spanContext)
  Object.assign(attributes, sampled.attributes)
  return new LazyRootSpan(factory, spanContext, name, kind, attributes, links, context)
}
