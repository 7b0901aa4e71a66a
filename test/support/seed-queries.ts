/**
 * The PromQL of the five design documents tts-edge was built from (the "seeds"), as they
 * wrote it, for test/seed-queries.test.ts to run on a real Prometheus scraping tts-edge.
 *
 * The seeds are named as docs/observability.md's "Seed metrics" table names them: tts-manager,
 * API monitoring, parallel wrapper, worker runbook, monitoring system. Their text is not
 * in this repository; each query below is copied exactly (the `source` says from where).
 * Only the tts-manager seed writes no PromQL: it describes its panels in words, so its
 * queries are ours, built from each panel's title and metric (`composed: true`).
 *
 * A query either applies (it must return series) or carries why it does not and which
 * query answers the same question on tts-edge (`instead`, which must return series).
 */

export type Seed = 'tts-manager' | 'API monitoring' | 'parallel wrapper' | 'worker runbook'

export interface SeedQuery {
  seed: Seed
  /** Where in the seed: a dashboard panel, an alert, a query list, a metric list. */
  source: string
  /** The seed's PromQL, as written; an alert's includes its threshold. */
  expr: string
  /** An alert expression: evaluated without its threshold (the measured quantity). */
  alert?: boolean
  /** Built by us from a panel description (the tts-manager seed writes no PromQL). */
  composed?: boolean
  /** Names a model id that exists in the seed's deployment: `{{model}}` stands for one of ours. */
  modelPlaceholder?: boolean
  /** Reads GPU metrics (DCGM on the gpu-engines overlay): tested by promtool, not here. */
  gpu?: boolean
  /** Why the query cannot return data on tts-edge, and the query that answers its question. */
  notApplicable?: { reason: string; instead?: string }
}

const q = (seed: Seed, source: string, expr: string, extra: Partial<SeedQuery> = {}): SeedQuery => ({ seed, source, expr, ...extra })

const TTS_MANAGER: SeedQuery[] = [
  ['Overview › Active Streams', 'sum(streaming_active)'],
  ['Overview › Speech Requests/min', 'sum(rate(speech_request_total[5m])) * 60'],
  ['Overview › Cache Hit Rate %', '100 * sum(rate(speech_request_total{result="cache_hit"}[5m])) / sum(rate(speech_request_total[5m]))'],
  ['Overview › Streaming Errors/min', 'sum(rate(streaming_error_total[5m])) * 60'],
  ['Batch TTS › Speech Requests by Result', 'sum by (result) (rate(speech_request_total[5m]))'],
  ['Batch TTS › Speech Create Duration p95', 'histogram_quantile(0.95, sum by (le) (rate(speech_create_duration_seconds_bucket[5m])))'],
  ['Batch TTS › Language Usage', 'sum by (language, gender) (speech_language_total)'],
  ['Streaming Sessions › Sessions Created', 'sum by (vendor) (rate(streaming_created_total[5m]))'],
  ['Streaming Sessions › Sessions Ended', 'sum by (vendor) (rate(streaming_ended_total[5m]))'],
  ['Streaming Sessions › Duration p50/p95', 'histogram_quantile(0.95, sum by (le, vendor) (rate(streaming_duration_seconds_bucket[5m])))'],
  ['Streaming Sessions › Errors', 'sum by (vendor) (rate(streaming_error_total[5m]))'],
  ['Streaming Sessions › Language Usage', 'sum by (language, gender) (streaming_language_total)'],
  ['Throughput & API › Messages/min', 'sum(rate(streaming_message_total[5m])) * 60'],
].map(([source, expr]) => q('tts-manager', `dashboard ${source}`, expr!, { composed: true }))

TTS_MANAGER.push(
  q('tts-manager', 'dashboard Throughput & API › Request Processing Time p95', 'histogram_quantile(0.95, sum by (le) (rate(tts_manager_receive_request_process_time_bucket[5m])))', {
    composed: true,
    notApplicable: {
      reason: 'the time its message-queue listener takes per RPC; tts-edge takes requests over HTTP',
      instead: 'histogram_quantile(0.95, sum by (le, route) (rate(tts_request_duration_seconds_bucket[5m])))',
    },
  }),
  q('tts-manager', 'dashboard Throughput & API › Events Published', 'sum(rate(tts_manager_event_publish_total[5m]))', {
    composed: true,
    notApplicable: { reason: 'events it publishes to its message bus; tts-edge publishes none (its events are log lines and spans)', instead: 'sum(rate(streaming_ended_total[5m]))' },
  }),
)

const API_MONITORING: SeedQuery[] = [
  q('API monitoring', 'dashboard Request Rate', 'rate(tts_requests_total[5m])'),
  q('API monitoring', 'dashboard Word Count Performance', 'rate(tts_word_count_duration_seconds_bucket[5m])'),
  q('API monitoring', 'dashboard P95 Response Time', 'histogram_quantile(0.95, rate(tts_request_duration_seconds_bucket[5m]))'),
  q('API monitoring', 'dashboard Error Rate', 'rate(tts_errors_total[5m])'),
  q('API monitoring', 'dashboard System CPU', 'tts_system_cpu_usage_percent'),
  q('API monitoring', 'dashboard System Memory', 'tts_system_memory_usage_bytes / 1024 / 1024 / 1024'),
  q('API monitoring', 'alert High error rates', 'rate(tts_errors_total[5m]) > 0.1', { alert: true }),
  q('API monitoring', 'alert Slow response times', 'histogram_quantile(0.95, rate(tts_request_duration_seconds_bucket[5m])) > 10', { alert: true }),
  q('API monitoring', 'alert High CPU usage', 'tts_system_cpu_usage_percent > 80', { alert: true }),
  q('API monitoring', 'alert High memory usage', 'tts_system_memory_usage_bytes / 1024 / 1024 / 1024 > 8', { alert: true }),
  q('API monitoring', 'metric list tts_active_voices', 'tts_active_voices'),
  q('API monitoring', 'metric list tts_character_count_duration_seconds', 'tts_character_count_duration_seconds_count'),
  q('API monitoring', 'metric list tts_model_load_time_seconds', 'tts_model_load_time_seconds_count'),
]

const PARALLEL_WRAPPER: SeedQuery[] = [
  q('parallel wrapper', 'query Average synthesis latency (p50)', 'histogram_quantile(0.50, rate(synthesis_latency_seconds_bucket[5m]))'),
  q('parallel wrapper', 'query p95 synthesis latency', 'histogram_quantile(0.95, rate(synthesis_latency_seconds_bucket[5m]))'),
  q('parallel wrapper', 'panel Synthesis Latency p99', 'histogram_quantile(0.99, rate(synthesis_latency_seconds_bucket[5m]))'),
  q('parallel wrapper', 'query Worker utilization', 'worker_utilization_percent'),
  q('parallel wrapper', 'query Synthesis throughput', 'rate(synthesis_total[1m])'),
  q('parallel wrapper', 'query Error rate', 'rate(synthesis_errors_total[5m]) / rate(synthesis_total[5m])'),
  q('parallel wrapper', 'query SLA compliance (barge-in < 50ms)', '(barge_in_latency_seconds_count - barge_in_latency_seconds_bucket{le="0.05"}) / barge_in_latency_seconds_count', {
    notApplicable: {
      reason: 'never matches in any Prometheus: a bucket series carries `le` and the count does not, so the subtraction needs `ignoring(le)`',
      instead: '(barge_in_latency_seconds_count - ignoring(le) barge_in_latency_seconds_bucket{le="0.05"}) / barge_in_latency_seconds_count',
    },
  }),
  q('parallel wrapper', 'query Active sessions', 'sessions_active'),
  q('parallel wrapper', 'panel Throughput & Errors', 'rate(synthesis_errors_total[1m])'),
  q('parallel wrapper', 'panel Queue Depth', 'synthesis_queue_depth'),
  q('parallel wrapper', 'alert HighSynthesisLatency', 'histogram_quantile(0.95, rate(synthesis_latency_seconds_bucket[5m])) > 0.5', { alert: true }),
  q('parallel wrapper', 'alert HighErrorRate', 'rate(synthesis_errors_total[5m]) / rate(synthesis_total[5m]) > 0.05', { alert: true }),
  q('parallel wrapper', 'alert WorkerPoolSaturated', 'worker_utilization_percent > 95', { alert: true }),
  q('parallel wrapper', 'alert BargeInSLAViolation', 'rate(sla_violations_total[5m]) / rate(barge_in_latency_seconds_count[5m]) > 0.10', { alert: true }),
  q('parallel wrapper', 'expected output synthesis_latency_seconds_sum', 'synthesis_latency_seconds_sum'),
  q('parallel wrapper', 'expected output workers_active', 'workers_active'),
]

const RUNBOOK = 'worker runbook'
const GRPC = { reason: 'the gRPC hop from its orchestrator to a separate worker process; tts-edge synthesises in its own worker threads, and calls upstream engines over HTTP' }
const WORKER_RUNBOOK: SeedQuery[] = [
  // Application metrics, as the runbook lists them.
  ...[
    'tts_websocket_connections_active',
    'tts_websocket_connections_total',
    'tts_websocket_connection_errors_total',
    'tts_sessions_active',
    'tts_sessions_total',
    'tts_session_duration_seconds_count',
    'tts_frames_sent_total',
    'tts_frames_dropped_total',
    'tts_frame_send_duration_seconds_count',
    'tts_synthesis_requests_total',
    'tts_synthesis_duration_seconds_count',
    'tts_first_audio_latency_seconds_count',
    'tts_models_resident_count',
    'tts_model_load_duration_seconds_count',
    'tts_model_unload_total',
    'tts_model_eviction_total',
    'tts_cpu_usage_percent',
    'process_resident_memory_bytes',
    'tts_audio_frames_generated_total',
    'tts_audio_normalization_total',
    'tts_audio_loudness_lufs',
  ].map((name) => q(RUNBOOK, `metric list ${name.replace(/_count$/, '')}`, name)),
  q(RUNBOOK, 'metric list Sessions by model', 'tts_sessions_total{model_id="{{model}}"}', { modelPlaceholder: true }),
  q(RUNBOOK, 'metric list Real-time factor', 'tts_synthesis_rtf{model_id="{{model}}"}', { modelPlaceholder: true }),
  q(RUNBOOK, 'metric list Frame queue depth', 'tts_frame_queue_depth{session_id="abc123"}', {
    notApplicable: { reason: 'no metric carries a session id (unbounded; the runbook itself says so under "High Cardinality")', instead: 'tts_frame_queue_depth' },
  }),
  q(RUNBOOK, 'metric list gRPC request duration', 'tts_grpc_request_duration_seconds{method="Synthesize"}', {
    notApplicable: { ...GRPC, instead: 'histogram_quantile(0.95, sum by (le, model_id) (rate(tts_synthesis_duration_seconds_bucket[5m])))' },
  }),
  q(RUNBOOK, 'metric list gRPC request errors', 'tts_grpc_request_errors_total{method="Synthesize"}', { notApplicable: { ...GRPC, instead: 'synthesis_errors_total' } }),
  q(RUNBOOK, 'metric list GPU memory', 'tts_gpu_memory_used_bytes', { gpu: true }),
  q(RUNBOOK, 'metric list GPU utilization', 'tts_gpu_utilization_percent', { gpu: true }),
  // Dashboard panels.
  q(RUNBOOK, 'dashboard Active Sessions', 'tts_sessions_active'),
  q(RUNBOOK, 'dashboard Session Rate', 'rate(tts_sessions_total[1m]) * 60'),
  q(RUNBOOK, 'dashboard Frame Queue Depth', 'tts_frame_queue_depth'),
  q(RUNBOOK, 'dashboard Frame Drop Rate', 'rate(tts_frames_dropped_total[1m])'),
  q(RUNBOOK, 'dashboard Average RTF', 'avg(tts_synthesis_rtf)'),
  q(RUNBOOK, 'dashboard p95 First Audio Latency', 'histogram_quantile(0.95, rate(tts_first_audio_latency_seconds_bucket[5m]))'),
  q(RUNBOOK, 'dashboard Model Load Time', 'histogram_quantile(0.95, rate(tts_model_load_duration_seconds_bucket[5m]))'),
  q(RUNBOOK, 'dashboard GPU Memory Usage', 'tts_gpu_memory_used_bytes / 1024 / 1024 / 1024', { gpu: true }),
  q(RUNBOOK, 'dashboard Error Rate', 'rate(tts_grpc_request_errors_total[1m])', { notApplicable: { ...GRPC, instead: 'rate(synthesis_errors_total[1m])' } }),
  q(RUNBOOK, 'dashboard Connection Count', 'tts_websocket_connections_active'),
  // Alerts.
  q(RUNBOOK, 'alert HighErrorRate', 'rate(tts_grpc_request_errors_total[1m]) > 0.1', { alert: true, notApplicable: { ...GRPC, instead: 'rate(synthesis_errors_total[1m])' } }),
  q(RUNBOOK, 'alert FramesDropping', 'rate(tts_frames_dropped_total[1m]) > 0', { alert: true }),
  q(RUNBOOK, 'alert HighFrameQueue', 'tts_frame_queue_depth > 40', { alert: true }),
  q(RUNBOOK, 'alert HighRTF', 'avg(tts_synthesis_rtf) > 0.8', { alert: true }),
  q(RUNBOOK, 'alert HighFirstAudioLatency', 'histogram_quantile(0.95, rate(tts_first_audio_latency_seconds_bucket[5m])) > 0.5', { alert: true }),
  q(RUNBOOK, 'alert ModelLoadFailures', 'rate(tts_model_load_errors_total[5m]) > 0', { alert: true }),
  q(RUNBOOK, 'alert NoActiveWorker', 'up{job="tts-worker"} == 0', {
    alert: true,
    notApplicable: { reason: 'its workers are a separate scrape job; tts-edge\'s workers are threads of the one process Prometheus scrapes', instead: 'up{job="tts-edge"}' },
  }),
  q(RUNBOOK, 'alert HighGPUMemory', '(tts_gpu_memory_used_bytes / tts_gpu_memory_total_bytes) > 0.9', { alert: true, gpu: true }),
  q(RUNBOOK, 'alert SessionQueueBackup', 'tts_session_queue_depth > 10', { alert: true }),
  // Useful PromQL queries.
  q(RUNBOOK, 'query Average session duration', 'avg(rate(tts_session_duration_seconds_sum[5m]) / rate(tts_session_duration_seconds_count[5m]))'),
  q(RUNBOOK, 'query p95 latency', 'histogram_quantile(0.95, rate(tts_first_audio_latency_seconds_bucket[5m]))'),
  q(RUNBOOK, 'query p99 latency', 'histogram_quantile(0.99, rate(tts_first_audio_latency_seconds_bucket[5m]))'),
  q(RUNBOOK, 'query Throughput (frames/sec)', 'rate(tts_frames_sent_total[1m])'),
  q(RUNBOOK, 'query Error percentage', '(rate(tts_grpc_request_errors_total[5m]) / rate(tts_grpc_requests_total[5m])) * 100', {
    notApplicable: { ...GRPC, instead: '(rate(synthesis_errors_total[5m]) / rate(tts_synthesis_requests_total[5m])) * 100' },
  }),
  q(RUNBOOK, 'query Top models by usage', 'topk(5, sum by (model_id) (rate(tts_synthesis_requests_total[5m])))'),
  q(RUNBOOK, 'query Memory trend', 'deriv(process_resident_memory_bytes[5m])'),
  q(RUNBOOK, 'query GPU utilization over time', 'avg_over_time(tts_gpu_utilization_percent[1h])', { gpu: true }),
  q(RUNBOOK, 'query Max concurrent sessions', 'max_over_time(tts_sessions_active[24h])'),
  q(RUNBOOK, 'query Frame queue max depth', 'max(tts_frame_queue_depth)'),
  q(RUNBOOK, 'query Model load frequency', 'sum by (model_id) (rate(tts_model_load_total[1h]))'),
  // System metrics from other exporters (cAdvisor, node exporter): theirs to answer, not tts-edge's.
  ...[
    ['cAdvisor Container CPU usage', 'rate(container_cpu_usage_seconds_total{name="orchestrator"}[1m]) * 100', 'tts_cpu_usage_percent'],
    ['cAdvisor Container memory usage', 'container_memory_usage_bytes{name="orchestrator"} / 1024 / 1024', 'process_resident_memory_bytes / 1024 / 1024'],
    ['cAdvisor Container network I/O', 'rate(container_network_transmit_bytes_total{name="orchestrator"}[1m])', undefined],
    ['node exporter CPU usage', '100 - (avg by(instance) (rate(node_cpu_seconds_total{mode="idle"}[1m])) * 100)', 'tts_system_cpu_usage_percent'],
    ['node exporter Memory usage', '(1 - (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)) * 100', '100 * tts_system_memory_usage_bytes / tts_system_memory_total_bytes'],
    ['node exporter Disk usage', '(1 - (node_filesystem_avail_bytes / node_filesystem_size_bytes)) * 100', undefined],
    ['node exporter Network traffic', 'rate(node_network_transmit_bytes_total[1m])', undefined],
  ].map(([source, expr, instead]) =>
    q(RUNBOOK, `system metrics ${source}`, expr!, {
      notApplicable: { reason: 'another exporter\'s metric (run cAdvisor or node exporter beside tts-edge)', ...(instead && { instead }) },
    }),
  ),
]

/** Every query of the seeds, applicable or not. */
export const SEED_QUERIES: readonly SeedQuery[] = [...TTS_MANAGER, ...API_MONITORING, ...PARALLEL_WRAPPER, ...WORKER_RUNBOOK]
