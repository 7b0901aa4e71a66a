/**
 * Logs on Kubernetes reach Loki from stdout (TTS_LOG_EXPORT=stdout): the collector agent on
 * each node reads tts-edge's container log files (deploy/kubernetes/base/collector/agent.yaml,
 * receiver filelog/tts-edge). Checked without a cluster: real lines from the service's logger,
 * framed as the kubelet writes them, go through the agent's operators as the pinned collector
 * runs them (test/support/filelog-pipeline.ts, facts from its source in filelog-facts.ts), and
 * must come out as the record the service itself ships over OTLP for the same line, as far as
 * Loki can tell: the same index labels, structured metadata, trace context, level, time and body.
 */
import { describe, expect, test } from 'bun:test'
import { context, trace, TraceFlags } from '@opentelemetry/api'
import { hrTimeToMilliseconds } from '@opentelemetry/core'
import { InMemoryLogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs'
import { loadConfig } from '../src/config.ts'
import { createLogShipper } from '../src/telemetry/log-shipping.ts'
import { createLogger } from '../src/telemetry/logger.ts'
import { writeSummaryLine } from '../src/telemetry/summary-line.ts'
import { installContext } from '../src/telemetry/tracing.ts'
import { version } from '../src/version.ts'
import { LOKI_DEFAULT_INDEX_LABELS } from './support/filelog-facts.ts'
import { runFilelog, type FileRecord } from './support/filelog-pipeline.ts'
import { kustomizeBuild } from './support/kustomize.ts'
import { findObject, mainContainer, plainEnv } from './support/kubernetes-objects.ts'
import { repoRoot } from './support/dashboard-queries.ts'

const objects = kustomizeBuild(`${repoRoot}/deploy/kubernetes/base`)
const deployment = findObject(objects, 'Deployment', 'tts-edge')
const agentDaemonSet = findObject(objects, 'DaemonSet', 'otel-agent')
const agentConfigMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('otel-agent-config'))!
const agent = Bun.YAML.parse(agentConfigMap.data['config.yaml']) as any
const receiver = agent.receivers['filelog/tts-edge']

const POD = 'tts-edge-7d9f8c6b5-x2x4q'
const LOG_PATH = `/var/log/pods/tts-edge_${POD}_0f9c2d1e-7b6a-4c3d-9e8f-112233445566/tts-edge/0.log`
const env: Record<string, string> = { ...plainEnv(mainContainer(deployment)), POD_NAME: POD, POD_NAMESPACE: 'tts-edge' }
// The kubelet expands $(VAR) from earlier env entries.
const expanded = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/\$\((\w+)\)/g, (_, name: string) => env[name] ?? '')]))

/** The service's own lines, and the OTLP records it would ship for them (as with TTS_LOG_EXPORT=both). */
async function linesAndRecords() {
  installContext()
  const config = loadConfig({ ...expanded, TTS_LOG_EXPORT: 'both' })
  const exporter = new InMemoryLogRecordExporter()
  const shipper = createLogShipper(config, exporter)!
  const lines: string[] = []
  const logger = createLogger({ service: config.OTEL_SERVICE_NAME, version, instance: POD, shipper, destination: { write: (l: string) => void lines.push(l) } })
  const span = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED }
  writeSummaryLine(logger, 'info', 'req-1', span, { route: '/v1/audio/speech', method: 'POST', status: 200, duration_ms: 12.5, cache: 'created', voice: 'en-us-f1', format: 'mp3', text_chars: 31, trace_kept: true }, 'request completed')
  writeSummaryLine(logger, 'error', 'req-2', { ...span, traceFlags: TraceFlags.NONE }, { route: '/v1/audio/speech', method: 'POST', status: 503, duration_ms: 3, trace_kept: true }, 'request failed')
  context.with(trace.setSpanContext(context.active(), span), () => logger.child({ session_id: 'sess-9' }).info({ route: '/v1/stream', trace_kept: false }, 'session started'))
  logger.warn({ engine: 'kokoro' }, 'engine slow to warm up')
  await shipper.forceFlush()
  return { lines, records: exporter.getFinishedLogRecords() }
}

/** containerd's log file format: time, stream, full-line tag, the line. */
const criLine = (line: string, at: Date) => `${at.toISOString().replace('Z', '000000Z')} stdout F ${line.trimEnd()}`

/** What Loki stores of a record: index labels, structured metadata (as strings), and the rest. */
function asLoki(r: { resource: Record<string, unknown>; attributes: Record<string, unknown>; scope?: string; traceId?: string; spanId?: string; severity: string; body: unknown; timeMs: number }) {
  const labels: Record<string, string> = {}
  const metadata: Record<string, string> = {}
  const key = (name: string) => name.replaceAll('.', '_')
  for (const [name, value] of Object.entries(r.resource)) (LOKI_DEFAULT_INDEX_LABELS.includes(name) ? labels : metadata)[key(name)] = String(value)
  for (const [name, value] of Object.entries(r.attributes)) metadata[key(name)] = String(value)
  if (r.scope) metadata.scope_name = r.scope
  if (r.traceId) metadata.trace_id = r.traceId
  if (r.spanId) metadata.span_id = r.spanId
  return { labels, metadata, severity: r.severity, body: r.body, timeMs: r.timeMs }
}

const fromOtlp = (r: ReadableLogRecord) =>
  asLoki({
    resource: r.resource.attributes as Record<string, unknown>,
    attributes: r.attributes as Record<string, unknown>,
    scope: r.instrumentationScope.name,
    traceId: r.spanContext?.traceId,
    spanId: r.spanContext?.spanId,
    severity: `${r.severityNumber} ${r.severityText}`,
    body: r.body,
    timeMs: Math.round(hrTimeToMilliseconds(r.hrTime)),
  })

const fromFile = (r: FileRecord) =>
  asLoki({
    resource: r.resource,
    attributes: r.attributes,
    scope: r.scopeName,
    traceId: r.traceId && /[1-9a-f]/.test(r.traceId) ? r.traceId : undefined,
    spanId: r.spanId && /[1-9a-f]/.test(r.spanId) ? r.spanId : undefined,
    severity: `${r.severityNumber} ${r.severityText}`,
    body: r.body,
    timeMs: r.timestampMs!,
  })

describe('logs on Kubernetes', () => {
  test('tts-edge writes its lines to stdout only, and each agent reads tts-edge’s container logs from its node', () => {
    expect(env.TTS_LOG_EXPORT).toBe('stdout')
    expect(createLogShipper(loadConfig(expanded), new InMemoryLogRecordExporter())).toBeUndefined()
    expect(agent.service.pipelines.logs.receivers).toContain('filelog/tts-edge')
    const mount = mainContainer(agentDaemonSet).volumeMounts.find((m: any) => m.mountPath === '/var/log/pods')
    expect(mount?.readOnly).toBe(true)
    const glob = new Bun.Glob(receiver.include[0])
    expect(glob.match(LOG_PATH)).toBe(true)
    expect(glob.match(LOG_PATH.replace('/tts-edge/0.log', '/istio-proxy/0.log'))).toBe(false)
    expect(glob.match(LOG_PATH.replace('tts-edge_', 'monitoring_'))).toBe(false)
    expect(mainContainer(deployment).name).toBe('tts-edge')
  })

  test('a line read from the file becomes what Loki gets from the service’s own OTLP record of it', async () => {
    const { lines, records } = await linesAndRecords()
    expect(lines).toHaveLength(4)
    const read = runFilelog(receiver, LOG_PATH, lines.map((line, i) => criLine(line, new Date(hrTimeToMilliseconds(records[i]!.hrTime)))))
    for (const [i, record] of records.entries()) {
      const expected = fromOtlp(record)
      const actual = fromFile(read[i]!)
      // A request line's record takes the line's own time; another line's record is timed when the
      // shipper takes it, a moment after pino stamped the line (more on a busy machine): the same second.
      if (i < 2) expect(actual.timeMs).toBe(expected.timeMs)
      else expect(Math.abs(actual.timeMs - expected.timeMs)).toBeLessThan(1000)
      expect({ ...actual, timeMs: 0 }).toEqual({ ...expected, timeMs: 0 })
    }
    // The labels a dashboard selects on, and the ids it links by, are there.
    const request = fromFile(read[0]!)
    expect(request.labels).toMatchObject({ service_name: 'tts-edge', service_instance_id: POD, k8s_pod_name: POD, k8s_namespace_name: 'tts-edge' })
    expect(request.metadata).toMatchObject({ request_id: 'req-1', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', route: '/v1/audio/speech', status: '200', trace_kept: 'true' })
    expect(request.severity).toBe('9 INFO')
  })

  test('a line that is not JSON (a crash on stderr) is shipped as it is', () => {
    const [record] = runFilelog(receiver, LOG_PATH, ['2026-12-05T10:00:00.000000001Z stderr F panic: the runtime gave up'])
    expect(record!.body).toBe('panic: the runtime gave up')
    expect(record!.resource['k8s.pod.name']).toBe(POD)
  })
})
