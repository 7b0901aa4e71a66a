/**
 * The Grafana links we can prove here, against a real Prometheus: it scrapes the running
 * service while we send traffic with known traceparents; their trace ids come back as
 * exemplars, the OTLP receiver holds the same traces' spans and logs, and every PromQL
 * expression of the dashboard and the alert rules returns data.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot, tempoGeneratedQueries, ttsEdgeQueries } from './support/dashboard-queries.ts'
import { keysFile, newKey } from './support/keys-file.ts'
import { OtlpReceiver } from './support/otlp-receiver.ts'
import { startPrometheus, type PrometheusServer } from './support/prometheus-server.ts'
import { startService, type RunningService } from './support/service.ts'
import { freePort, waitUntil } from './support/wait.ts'
import { isJson, WsClient } from './support/ws-client.ts'

let receiver: OtlpReceiver
let svc: RunningService
let prom: PrometheusServer
const traceIds: string[] = []
// A key with budgets, so the Usage and cost row (keys near their budget) has series too.
const KEY = newKey('dashboard')
const auth = { authorization: `Bearer ${KEY}` }

const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex')

type Vector = { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }
type Exemplars = { seriesLabels: Record<string, string>; exemplars: { labels: Record<string, string> }[] }[]

async function exemplarTraceIds(metric: string): Promise<Set<string>> {
  const now = Date.now() / 1000
  const data = await prom.api<Exemplars>('/api/v1/query_exemplars', { query: metric, start: String(now - 600), end: String(now + 60) })
  return new Set(data.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id ?? '')))
}

async function post(path: string, body: unknown, traceId = hex(16)) {
  const res = await fetch(`${svc.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${hex(8)}-01`, ...auth },
    body: JSON.stringify(body),
  })
  await res.arrayBuffer()
  return res
}

beforeAll(async () => {
  receiver = new OtlpReceiver()
  // A gateway whose upstream is itself, so the Upstreams row and its alerts have series too.
  const port = await freePort()
  const engines = join(mkdtempSync(join(tmpdir(), 'tts-prom-engines-')), 'engines.json')
  writeFileSync(
    engines,
    JSON.stringify({
      engines: {
        local: { kind: 'espeak', price_per_million_characters: 15 },
        up: { kind: 'openai', url: `http://127.0.0.1:${port}/v1`, api_key_env: 'UPSTREAM_KEY' },
      },
      default: 'local',
      fallback: ['local'],
    }),
  )
  const keys = keysFile([{ id: 'dashboard', key: KEY, budget: { characters_per_month: 100_000, usd_per_month: 10 } }])
  svc = await startService({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    PORT: String(port),
    TTS_ENGINES_FILE: engines,
    TTS_KEYS_FILE: keys.path,
    UPSTREAM_KEY: KEY,
    TTS_USAGE_FLUSH_MS: '200',
  })
  prom = await startPrometheus([`127.0.0.1:${svc.port}`], [join(repoRoot, 'prometheus', 'alerts.yml')])
  await waitUntil(async () => (await prom.api<Vector>('/api/v1/query', { query: 'up' })).result.some((r) => r.value[1] === '1'), 30_000, 'first scrape')

  // Each traced request is followed by a wait for its exemplar: prom-client keeps the latest
  // exemplar per bucket, so requests between two scrapes would overwrite each other.
  for (const input of ['A first traced request.', 'A second one, a little longer than the first.', 'A first traced request.']) {
    const traceId = hex(16)
    traceIds.push(traceId)
    expect((await post('/v1/audio/speech', { model: 'tts-1', voice: 'alloy', input, response_format: 'wav' }, traceId)).status).toBe(200)
    await waitUntil(async () => (await exemplarTraceIds('tts_request_duration_seconds_bucket')).has(traceId), 30_000, `exemplar ${traceId}`)
  }
  // The rest of a realistic mix so every batch panel has something to show.
  await post('/v1/text-to-speech/de-f1?output_format=pcm_16000', { text: 'Guten Tag, wie geht es Ihnen heute?' })
  await post('/v1/text-to-speech/fr-fr-m1/stream?output_format=ulaw_8000', { text: 'Bonjour tout le monde.' })
  await post('/v1/audio/speech', { model: 'tts-1', voice: 'nobody', input: 'x' })
  expect((await post('/v1/audio/speech', { model: 'tts-1', voice: 'up:en-us-m1', input: 'Through the upstream.', response_format: 'mp3' })).status).toBe(200)
  await fetch(`${svc.url}/no/such/path`)
  // Streaming: one session spoken to the end, one interrupted (barge-in), on both protocols.
  const ws = svc.url.replace(/^http/, 'ws')
  const done = new WsClient(`${ws}/v1/stream`, auth)
  await done.opened
  done.send({ type: 'start', voice: 'nova', format: 'pcm' })
  done.send({ type: 'text', text: 'A streamed answer. It has two sentences. ' })
  done.send({ type: 'close' })
  await done.closed
  const interrupted = new WsClient(`${ws}/v1/text-to-speech/en-us-f1/multi-stream-input?output_format=pcm_16000&auto_mode=true`, auth)
  await interrupted.opened
  interrupted.send({ text: ' ', context_id: 'a' })
  interrupted.send({ text: `${'A long answer that the user will interrupt. '.repeat(10)}`, context_id: 'a' })
  await interrupted.next(isJson((j) => typeof j.audio === 'string'))
  interrupted.send({ context_id: 'a', close_context: true })
  interrupted.send({ close_socket: true })
  await interrupted.closed
  const served = async () =>
    (await prom.api<Vector>('/api/v1/query', { query: 'sum(tts_request_duration_seconds_count)' })).result[0]?.value[1]
  await waitUntil(async () => Number(await served()) >= 10, 30_000, 'traffic scraped')
  const upstreamScraped = async () =>
    (await prom.api<Vector>('/api/v1/query', { query: 'sum(tts_upstream_first_byte_seconds_count)' })).result[0]?.value[1]
  await waitUntil(async () => Number(await upstreamScraped()) >= 1, 30_000, 'upstream call scraped')
  const sessionsScraped = async () =>
    (await prom.api<Vector>('/api/v1/query', { query: 'sum(streaming_ended_total)' })).result[0]?.value[1]
  await waitUntil(async () => Number(await sessionsScraped()) >= 2, 30_000, 'sessions scraped')
  const costScraped = async () => (await prom.api<Vector>('/api/v1/query', { query: 'sum(tts_cost_total)' })).result[0]?.value[1]
  await waitUntil(async () => Number(await costScraped()) > 0, 30_000, 'usage scraped')
}, 120_000)

afterAll(async () => {
  await prom?.stop()
  await svc?.stop()
  receiver?.stop()
}, 30_000)

describe('exemplars to traces to logs', () => {
  test('Prometheus stores the trace ids of our requests as exemplars', async () => {
    const found = await exemplarTraceIds('tts_request_duration_seconds_bucket')
    for (const id of traceIds) expect(found.has(id)).toBe(true)
  })

  test('speech creation latency carries exemplars of cache misses', async () => {
    const found = await exemplarTraceIds('speech_create_duration_seconds_bucket')
    expect(traceIds.slice(0, 2).some((id) => found.has(id))).toBe(true)
  })

  test('the same trace ids reach the OTLP receiver as spans and log records', async () => {
    await receiver.waitFor((r) =>
      traceIds.every((id) => r.spans.some((s) => s.traceId === id && s.name === 'POST /v1/audio/speech') && r.logs.some((l) => l.traceId === id)),
    )
  })
})

describe('every PromQL expression of the dashboard and the alert rules', () => {
  // Alert expressions end in a threshold and are empty while healthy: we evaluate the
  // measured quantity, which is what the alert compares.
  const withoutThreshold = (expr: string) => expr.replace(/\s*(>=|<=|==|!=|>|<)\s*[0-9.e+-]+\s*$/, '')

  for (const q of ttsEdgeQueries()) {
    test(`returns data: ${q.source}`, async () => {
      const data = await prom.api<Vector>('/api/v1/query', { query: q.kind === 'alert' ? withoutThreshold(q.expr) : q.expr })
      expect(data.result.length).toBeGreaterThan(0)
      expect(data.result.some((r) => Number.isFinite(Number(r.value[1])))).toBe(true)
    })
  }

  test('the only queries not executed are those over metrics Tempo generates', () => {
    for (const q of tempoGeneratedQueries()) expect(q.expr).toMatch(/traces_(spanmetrics|service_graph)_/)
  })
})
