/**
 * Tracing: one BasicTracerProvider whose kept spans are batched for OTLP/HTTP (protobuf or JSON),
 * W3C trace context + baggage, AsyncLocalStorage context. Bun.serve is not node:http,
 * so there is no auto-instrumentation: spans come from our middleware and withSpan.
 */
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context as OtelContext,
  type Span,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core'
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base'
import type { Config } from '../config.ts'
import { createSpanExporter, otlpExporterOptions } from './otlp-exporter.ts'
import { countingSpanProcessor, type DropHook } from './drop-accounting.ts'
import { keptTracesOnly } from './kept-trace-processor.ts'
import { spanBatch } from './span-batch.ts'
import { unitTracer } from './unit-tracer.ts'
import { registerKeeper, TraceKeeper } from './sampling.ts'
import { telemetryResource } from './resource.ts'

export interface Tracing {
  tracer: Tracer
  propagator: TextMapPropagator
  /** Exports what is buffered; resolves even when the collector is down. */
  forceFlush(): Promise<void>
  shutdown(): Promise<void>
}

let contextManagerInstalled = false

/**
 * Installs the AsyncLocalStorage context manager and W3C propagators once per process.
 * They are process-wide by nature (the API keeps one slot), unlike providers, which we inject.
 */
export function installContext(): TextMapPropagator {
  const propagator = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  })
  if (!contextManagerInstalled) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    propagation.setGlobalPropagator(propagator)
    contextManagerInstalled = true
  }
  return propagator
}

function sampler(config: Config): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.OTEL_TRACES_SAMPLER_ARG ?? 1)
  switch (config.OTEL_TRACES_SAMPLER) {
    case 'always_on':
      return new AlwaysOnSampler()
    case 'always_off':
      return new AlwaysOffSampler()
    case 'traceidratio':
      return ratio
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() })
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio })
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() })
  }
}

/**
 * Builds tracing from config. With `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`
 * the tracer is the API's no-op one, so instrumentation costs next to nothing. Otherwise the
 * tracer comes with its TraceKeeper (sampling.ts, from the TTS_TRACE_KEEP_* settings) and only
 * the spans of traces it keeps reach the exporter (kept-trace-processor.ts). Spans inside units
 * of work are built only in traces that are kept, as plain records (unit-tracer.ts).
 *
 * @example
 * const tracing = createTracing(config)
 * await withSpan(tracing.tracer, 'tts.encode', {}, async () => encode())
 */
export function createTracing(config: Config, exporter?: SpanExporter, onDropped: DropHook = () => {}): Tracing {
  const propagator = installContext()
  if (config.OTEL_SDK_DISABLED || (config.OTEL_TRACES_EXPORTER === 'none' && !exporter)) {
    return { tracer: trace.getTracer('tts-edge'), propagator, forceFlush: async () => {}, shutdown: async () => {} }
  }
  const resource = telemetryResource(config)
  const sending = otlpExporterOptions(config, 'traces', onDropped)
  const queue = {
    maxQueueSize: config.OTEL_BSP_MAX_QUEUE_SIZE,
    maxExportBatchSize: Math.min(config.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, config.OTEL_BSP_MAX_QUEUE_SIZE),
    scheduledDelayMillis: config.OTEL_BSP_SCHEDULE_DELAY,
  }
  // A bounded queue: when the collector is down, spans are dropped (and counted), never buffered without limit.
  // On protobuf (the default) each span is encoded into its batch as it arrives (span-batch.ts); on JSON, or
  // to an exporter given (tests), spans wait in the SDK's BatchSpanProcessor.
  const batch =
    !exporter && sending.protocol === 'http/protobuf'
      ? spanBatch({ resource, scope: { name: 'tts-edge' }, ...queue, sender: createSpanExporter(sending), onDropped })
      : countingSpanProcessor(
          exporter ?? createSpanExporter(sending),
          config.OTEL_BSP_MAX_QUEUE_SIZE,
          (e) => new BatchSpanProcessor(e, { ...queue, exportTimeoutMillis: config.OTEL_EXPORTER_OTLP_TIMEOUT }),
          onDropped,
        )
  // Spans of traces the service drops are let go here, before any encoding or I/O.
  const kept = keptTracesOnly(batch, { maxWaitingSpans: config.OTEL_BSP_MAX_QUEUE_SIZE, onDropped })
  const rootSampler = sampler(config)
  const provider = new BasicTracerProvider({ resource, sampler: rootSampler, spanProcessors: [kept] })
  // Built spans (all of kept traces) go straight to the batch; SDK spans pass the kept-trace filter.
  const tracer = unitTracer(provider.getTracer('tts-edge'), { sampler: rootSampler, processor: kept, batch, resource })
  registerKeeper(
    tracer,
    new TraceKeeper({
      ratio: config.TTS_TRACE_KEEP_RATIO,
      slowSeconds: config.TTS_TRACE_KEEP_SLOW_MS / 1000,
      exemplarIntervalSeconds: config.TTS_EXEMPLAR_INTERVAL_SECONDS,
    }),
  )
  return {
    tracer,
    propagator,
    forceFlush: () => provider.forceFlush().catch(() => {}),
    shutdown: () => provider.shutdown().catch(() => {}),
  }
}

/**
 * Runs `fn` inside a child span of the active one (or of the span in `parent`, which saves
 * the caller a context switch of its own). Errors are recorded on the span (exception event,
 * ERROR status, `error.type`) and rethrown; the span always ends.
 *
 * @example
 * const audio = await withSpan(tracer, 'tts.synthesize', { 'tts.voice': voice.id }, (span) => synth(span))
 */
export async function withSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T> | T,
  kind: SpanKind = SpanKind.INTERNAL,
  parent: OtelContext = context.active(),
): Promise<T> {
  const span = tracer.startSpan(name, { kind, attributes }, parent)
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span))
  } catch (err) {
    recordError(span, err)
    throw err
  } finally {
    span.end()
  }
}

/** Marks `span` as failed by `err` (exception event, ERROR status, `error.type`). */
export function recordError(span: Span, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err))
  span.recordException(error)
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message })
  span.setAttribute('error.type', error.name)
}
