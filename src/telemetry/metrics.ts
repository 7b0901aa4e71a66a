/**
 * Every metric the service exposes (docs/observability.md, "Metrics"), on one injected
 * registry in OpenMetrics format so histograms can carry trace exemplars.
 *
 * Label values are bounded by construction: routes are matched patterns, languages and
 * genders come from the voice catalogue, ranges and error types are fixed enums.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type OpenMetricsContentType } from 'prom-client'
import { context, trace, type Span, type SpanContext } from '@opentelemetry/api'
import { resolveLabelsOnce } from './counter-children.ts'
import { createLoudnessMetrics } from './loudness-metrics.ts'
import { createModelLifecycle, createModelMetrics } from './model-lifecycle.ts'
import { createSessionMetrics } from './session-metrics.ts'
import { createSynthesisMetrics } from './synthesis-metrics.ts'
import { createSystemMetrics, type SystemSources } from './system-metrics.ts'
import { initialiseSeries } from './initial-series.ts'
import { holdObservation, observeInUnit, type WorkUnit } from './work-unit.ts'

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const SESSION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600]
const RTF_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]
const BARGE_IN_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25]

export type Metrics = ReturnType<typeof buildMetrics>

/** A fresh registry that speaks OpenMetrics, the format that carries exemplars. */
export function openMetricsRegistry(): Registry<OpenMetricsContentType> {
  const registry = new Registry<OpenMetricsContentType>()
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)
  return registry
}

/** Sources for gauges read at scrape time. */
export interface MetricSources extends SystemSources {
  queueDepth?: () => number
  workersBusy?: () => number
  cacheBytes?: () => number
  fleetWaiting?: () => number
  /** Usage events not yet in the shared ledger (buffered, or in the outbox while Redis is away). */
  usageUnflushed?: () => number
  /** Each budgeted key's share of its monthly budgets spent or set aside (read at scrape time). */
  keyBudgets?: () => Promise<readonly { key: string; budget: 'characters' | 'usd'; ratio: number }[]>
}

/**
 * Creates every metric on `registry`, which must speak OpenMetrics from the start:
 * prom-client only records exemplars on metrics created on such a registry.
 *
 * @example
 * const metrics = createMetrics(openMetricsRegistry())
 * metrics.speechRequests.inc({ result: 'cache_hit' })
 */
export function createMetrics(registry: Registry<OpenMetricsContentType>, sources: MetricSources = {}): Metrics {
  const metrics = buildMetrics(registry, sources)
  initialiseSeries(metrics)
  return metrics
}

function buildMetrics(registry: Registry<OpenMetricsContentType>, sources: MetricSources) {
  const registers = [registry]
  const histogram = <L extends string>(name: string, help: string, labelNames: L[], buckets: number[]) =>
    new Histogram<L>({ name, help, labelNames, buckets, registers, enableExemplars: true })
  // Label sets resolved once (counter-children.ts): a request increments several of these.
  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    resolveLabelsOnce(new Counter<L>({ name, help, labelNames, registers }))
  const gauge = <L extends string>(name: string, help: string, labelNames: L[] = [], collect?: () => number) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      ...(collect && {
        collect(this: Gauge<L>) {
          this.set(collect())
        },
      }),
    })

  collectDefaultMetrics({ register: registry })

  return {
    registry,
    speechRequests: counter('speech_request_total', 'Batch speech requests by outcome.', ['result']),
    speechCreateDuration: histogram(
      'speech_create_duration_seconds',
      'Time to synthesise and encode a batch request that missed the cache.',
      [],
      LATENCY_BUCKETS,
    ),
    speechLanguage: counter('speech_language_total', 'Batch requests by voice language and gender.', ['language', 'gender']),
    streamingCreated: counter('streaming_created_total', 'Streaming sessions opened.', ['vendor']),
    streamingEnded: counter('streaming_ended_total', 'Streaming sessions ended, however they ended.', ['vendor']),
    streamingActive: gauge('streaming_active', 'Streaming sessions open now.', ['vendor']),
    streamingDuration: histogram('streaming_duration_seconds', 'Streaming session length.', ['vendor'], SESSION_BUCKETS),
    streamingMessages: counter('streaming_message_total', 'Client messages received on streaming sessions.', ['vendor']),
    streamingErrors: counter('streaming_error_total', 'Streaming sessions that hit an error.', ['vendor']),
    streamingLanguage: counter('streaming_language_total', 'Streaming sessions by voice language and gender.', ['language', 'gender']),
    requestDuration: histogram(
      'tts_request_duration_seconds',
      'HTTP request duration, until the last byte of the body, by matched route.',
      ['route', 'method', 'status_code'],
      LATENCY_BUCKETS,
    ),
    wordCountDuration: histogram(
      'tts_word_count_duration_seconds',
      'Synthesis duration by number of spoken words (emotion tags excluded).',
      ['word_count_range'],
      LATENCY_BUCKETS,
    ),
    charCountDuration: histogram(
      'tts_character_count_duration_seconds',
      'Synthesis duration by number of characters.',
      ['char_count_range'],
      LATENCY_BUCKETS,
    ),
    firstAudioLatency: histogram(
      'tts_first_audio_latency_seconds',
      'Time from request (or completed sentence) to the first audio byte sent.',
      ['route'],
      LATENCY_BUCKETS,
    ),
    synthesisRtf: histogram('tts_synthesis_rtf', 'Real-time factor: synthesis wall time / audio duration, by the engine (model) that spoke.', ['model_id'], RTF_BUCKETS),
    queueDepth: gauge('tts_synthesis_queue_depth', 'Synthesis jobs waiting for a worker.', [], sources.queueDepth),
    workersBusy: gauge('tts_synthesis_workers_busy', 'Engine workers synthesising now.', [], sources.workersBusy),
    framesSent: counter('tts_frames_sent_total', 'Audio frames sent on streaming sessions.', ['vendor']),
    framesDropped: counter('tts_frames_dropped_total', 'Audio frames dropped because a client read too slowly.', ['vendor']),
    streamBackpressure: counter('tts_stream_backpressure_total', 'Times a streaming session paused for a slow reader to drain its socket.', ['vendor']),
    bargeInLatency: histogram(
      'tts_barge_in_latency_seconds',
      'Time from a cancel to the last audio frame sent.',
      ['vendor'],
      BARGE_IN_BUCKETS,
    ),
    websocketConnections: gauge('tts_websocket_connections_active', 'WebSocket connections open now.'),
    errors: counter('tts_errors_total', 'Errors by bounded type.', ['type']),
    cacheBytes: gauge('tts_cache_bytes', 'Bytes held by the audio cache.', [], sources.cacheBytes),
    cacheErrors: counter('tts_cache_errors_total', 'Cache backend operations that failed.', ['op']),
    fleetLease: counter('tts_fleet_lease_total', 'Cache misses by how the fleet shared their synthesis (leader, shared, takeover, local).', ['outcome']),
    fleetWaiting: gauge('tts_fleet_lease_waiting', 'Requests waiting for another replica to finish the same synthesis.', [], sources.fleetWaiting),
    // Upstream engines (the gateway): `engine` is a name from the engines file, so bounded.
    upstreamDuration: histogram(
      'tts_upstream_request_duration_seconds',
      'Upstream engine calls, from request to last byte, by outcome (ok, error, cancelled).',
      ['engine', 'outcome'],
      LATENCY_BUCKETS,
    ),
    upstreamFirstByte: histogram('tts_upstream_first_byte_seconds', 'Time from an upstream call to its first audio byte.', ['engine'], LATENCY_BUCKETS),
    upstreamErrors: counter('tts_upstream_errors_total', 'Failed upstream engine calls by bounded reason.', ['engine', 'reason']),
    upstreamCircuit: gauge('tts_upstream_circuit_state', 'Upstream circuit breaker: 0 closed, 1 half-open, 2 open.', ['engine']),
    upstreamCharacters: counter('tts_upstream_characters_total', 'Characters sent to upstream engines that accepted them (what a vendor bills).', ['engine']),
    fallbacks: counter('tts_fallback_total', 'Requests served by a fallback engine after the one asked for failed before any audio.', ['from', 'to']),
    transcodes: counter('tts_transcode_streams_total', 'Upstream PCM streams the gateway encoded into the asked-for format, by the thread that encoded them.', ['thread']),
    telemetryDropped: counter('tts_telemetry_dropped_total', 'Spans and log records lost before reaching the collector (queue full or export failed).', ['signal']),
    // Usage (usage/): `key` is a configured key id (or `anonymous`), a bounded set; never the key itself.
    usageCharacters: counter(
      'tts_characters_total',
      'Characters requested, by key id, engine and whether an engine billed them (false: a cache hit or a shared synthesis).',
      ['key', 'engine', 'billed'],
    ),
    usageCost: counter('tts_cost_total', "USD billed by engines (each engine's price_per_million_characters), by key id and engine.", ['key', 'engine']),
    cacheSavedCharacters: counter(
      'tts_cache_saved_characters_total',
      'Characters served without an engine synthesising them (cache hits and shared syntheses), by the engine that made the audio.',
      ['engine'],
    ),
    usageUnflushed: gauge('tts_usage_unflushed_events', 'Usage events not yet in the ledger every replica reads (buffered, or waiting for Redis).', [], sources.usageUnflushed),
    keyBudgetUsed: new Gauge<'key' | 'budget'>({
      name: 'tts_key_budget_used_ratio',
      help: "Share of a key's monthly budget spent or set aside by requests in flight (1 = the budget is used up), by key id and budget (characters, usd).",
      labelNames: ['key', 'budget'],
      registers,
      ...(sources.keyBudgets && {
        async collect(this: Gauge<'key' | 'budget'>) {
          this.reset()
          for (const { key, budget, ratio } of await sources.keyBudgets!()) this.set({ key, budget }, ratio)
        },
      }),
    }),
    /** Model loads, residency and unloads, reported by engines that load models (model-lifecycle.ts). */
    models: createModelLifecycle(createModelMetrics(registry)),
    /** Loudness of each utterance per engine, as engine and encode workers measure it. */
    loudness: createLoudnessMetrics(registry),
    ...createSessionMetrics(registry),
    ...createSynthesisMetrics(registry),
    ...createSystemMetrics(registry, sources),
  }
}

/**
 * `target_info` (OpenTelemetry's Prometheus convention): one series carrying the resource
 * attributes, so a query can join `instance` (the scrape address) to the replica's
 * `service_instance_id` (the pod name) and version.
 *
 * @example
 * recordTargetInfo(metrics.registry, { service_name: 'tts-edge', service_instance_id: 'tts-edge-0', service_version: '0.1.0' })
 */
export function recordTargetInfo(
  registry: Registry<OpenMetricsContentType>,
  labels: { service_name: string; service_instance_id: string; service_version: string },
): void {
  const info = new Gauge({ name: 'target_info', help: 'Target metadata: the resource attributes of this replica.', labelNames: Object.keys(labels), registers: [registry] })
  info.set(labels, 1)
}

/**
 * Observes `value` on `histogram` within the active unit of work (telemetry/work-unit.ts):
 * recorded when the unit's keep decision is made, with the trace as exemplar only if it
 * was kept, so an exemplar never points at a dropped trace.
 *
 * @example
 * observe(metrics.requestDuration, { route: '/v1/audio/speech', method: 'POST', status_code: '200' }, 0.12)
 */
export function observe<L extends string>(
  histogram: Histogram<L>,
  labels: Partial<Record<L, string | number>>,
  value: number,
): void {
  observeInUnit(histogram as unknown as Histogram<string>, labels as Record<string, string | number>, value)
}

/**
 * observe() for a unit of work and span given directly, where the caller is outside their
 * context (the request's own telemetry middleware, once the handler has returned).
 *
 * @example
 * observeFor(unit, span.spanContext(), metrics.requestDuration, { route, method, status_code: '200' }, 0.12)
 */
export function observeFor<L extends string>(
  unit: WorkUnit,
  span: SpanContext,
  histogram: Histogram<L>,
  labels: Partial<Record<L, string | number>>,
  value: number,
): void {
  holdObservation(unit, span, histogram as unknown as Histogram<string>, labels as Record<string, string | number>, value)
}

/**
 * observe() for a span and its unit of work given (the unit as found where the span started),
 * with no context switch: observeFor when in a unit, else observe() inside the span's context.
 *
 * @example
 * observeAt(unitOf(context.active()), span, metrics.upstreamFirstByte, { engine: 'kokoro' }, 0.21)
 */
export function observeAt<L extends string>(unit: WorkUnit | undefined, span: Span, histogram: Histogram<L>, labels: Partial<Record<L, string | number>>, value: number): void {
  if (unit) observeFor(unit, span.spanContext(), histogram, labels, value)
  else context.with(trace.setSpan(context.active(), span), () => observe(histogram, labels, value))
}
