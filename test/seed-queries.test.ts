/**
 * The seeds' own dashboards and alerts return data (docs/observability.md "Seed metrics"): every seed query
 * that applies runs unmodified on a real Prometheus (1 s scrapes, the project's rule files
 * loaded) scraping a real tts-edge after batch, streamed, cancelled and failed traffic, and
 * returns series; the mapping table names only metrics that exist; hostile input makes no
 * new series.
 *
 * The replica is restarted once on the same port before the traffic, as a rollout would:
 * its engine workers load their voice data again inside Prometheus's window, which is what
 * the model-load queries need to see.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parser as promqlParser } from '@prometheus-io/lezer-promql'
import { repoRoot } from './support/dashboard-queries.ts'
import { DCGM_EXPORTER } from './support/dcgm-facts.ts'
import { startGateway } from './support/gateway.ts'
import { startPrometheus, type PrometheusServer } from './support/prometheus-server.ts'
import { SEED_QUERIES, type SeedQuery } from './support/seed-queries.ts'
import type { RunningService } from './support/service.ts'
import { freePort, waitUntil } from './support/wait.ts'
import { isJson, WsClient } from './support/ws-client.ts'

type Vector = { result: { metric: Record<string, string>; value: [number, string] }[] }

const RULE_FILES = ['alerts.yml', 'seed-rules.yml']
const GPU_RULES = 'deploy/kubernetes/overlays/gpu-engines/gpu-rules.yaml'
let junk: ReturnType<typeof Bun.serve>
let svc: RunningService
let prom: PrometheusServer
let port: number

const engines = () => ({
  engines: {
    local: { kind: 'espeak' },
    // An upstream that answers every synthesis with an HTML error page: failed syntheses.
    junk: { kind: 'openai', url: `${junk.url.href}v1`, retries: 0, connect_timeout_ms: 1000, first_byte_timeout_ms: 1000 },
  },
  default: 'local',
})

const query = (expr: string) => prom.api<Vector>('/api/v1/query', { query: expr })
const scalar = async (expr: string) => Number((await query(expr)).result[0]?.value[1] ?? Number.NaN)
const post = (path: string, body: unknown) =>
  fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (res) => {
    await res.arrayBuffer()
    return res.status
  })

async function mixedTraffic(round: number): Promise<void> {
  const ws = svc.url.replace(/^http/, 'ws')
  // Batch: misses, a hit, both API families, a client mistake, a synthesis that fails.
  const once = `A batch request of round ${round}, synthesised once.`
  expect(await post('/v1/audio/speech', { model: 'tts-1', voice: 'alloy', input: once, response_format: 'wav' })).toBe(200)
  expect(await post('/v1/audio/speech', { model: 'tts-1', voice: 'alloy', input: once, response_format: 'wav' })).toBe(200)
  expect(await post('/v1/text-to-speech/de-f1/stream?output_format=pcm_16000', { text: `Guten Tag, Runde ${round}. Wie geht es Ihnen heute?` })).toBe(200)
  expect(await post('/v1/audio/speech', { model: 'tts-1', voice: 'nobody', input: 'x' })).toBe(400)
  expect(await post('/v1/audio/speech', { model: 'tts-1', voice: 'junk:alloy', input: 'The upstream answers this with an error page.' })).toBe(503)
  // Streamed to the end.
  const done = new WsClient(`${ws}/v1/stream`)
  await done.opened
  done.send({ type: 'start', voice: 'nova', format: 'pcm' })
  done.send({ type: 'text', text: 'A streamed answer. It has two sentences. ' })
  done.send({ type: 'close' })
  await done.closed
  // Cancelled mid-answer (barge-in), on our protocol and on multi-stream-input.
  const cancelled = new WsClient(`${ws}/v1/stream`)
  await cancelled.opened
  cancelled.send({ type: 'start', voice: 'en-us-m1', format: 'pcm' })
  cancelled.send({ type: 'text', text: `${'An answer the user interrupts. '.repeat(8)}` })
  await cancelled.next((m) => m.kind === 'binary')
  cancelled.send({ type: 'cancel' })
  cancelled.send({ type: 'close' })
  await cancelled.closed
  const contexts = new WsClient(`${ws}/v1/text-to-speech/en-us-f1/multi-stream-input?output_format=pcm_16000&auto_mode=true`)
  await contexts.opened
  contexts.send({ text: ' ', context_id: 'a' })
  contexts.send({ text: `${'A long answer that the user will interrupt. '.repeat(10)}`, context_id: 'a' })
  await contexts.next(isJson((j) => typeof j.audio === 'string'))
  contexts.send({ context_id: 'a', close_context: true })
  contexts.send({ close_socket: true })
  await contexts.closed
}

beforeAll(async () => {
  junk = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('<html><body>502 Bad Gateway</body></html>', { status: 502, headers: { 'content-type': 'text/html' } }) })
  port = await freePort()
  svc = await startGateway(engines(), { PORT: String(port), TTS_MAX_CONCURRENCY: '1' })
  prom = await startPrometheus([`127.0.0.1:${port}`], RULE_FILES.map((f) => join(repoRoot, 'prometheus', f)))
  await waitUntil(async () => (await scalar('sum(tts_model_load_total)')) === 1, 30_000, 'the first replica scraped')
  // The rollout: a replica with two workers takes the port; both load their voice data.
  await svc.stop()
  svc = await startGateway(engines(), { PORT: String(port), TTS_MAX_CONCURRENCY: '2' })
  await waitUntil(async () => (await scalar('sum(tts_model_load_total)')) === 2, 30_000, 'the restarted replica scraped')
  // Twice, a scrape apart: a series a request creates is first scraped with that request
  // already counted, and rate() sees increases only from its second sample on, as with any
  // traffic Prometheus meets mid-flow.
  await mixedTraffic(1)
  await waitUntil(async () => (await scalar('sum(streaming_ended_total)')) >= 3, 30_000, 'the first round scraped')
  await mixedTraffic(2)
  await waitUntil(async () => (await scalar('sum(streaming_ended_total)')) >= 6, 30_000, 'sessions scraped')
  await waitUntil(async () => (await scalar('sum(synthesis_errors_total)')) >= 2, 30_000, 'the failed syntheses scraped')
  await waitUntil(async () => (await scalar('sum(sla_violations_total) + sum(barge_in_latency_seconds_count)')) >= 2, 30_000, 'barge-ins recorded')
  // A rate over a recorded series needs two of its samples after the traffic: the newest series
  // (made by this traffic) are recorded one evaluation after they are scraped.
  for (const recorded of ['tts_requests_total', 'synthesis_latency_seconds_count', 'barge_in_latency_seconds_count']) {
    await waitUntil(async () => (await scalar(`min(count_over_time(${recorded}[5m]))`)) >= 3, 30_000, `${recorded} recorded thrice`)
  }
}, 180_000)

afterAll(async () => {
  await prom?.stop()
  await svc?.stop()
  junk?.stop(true)
}, 30_000)

/** An alert's measured quantity: the expression without its final comparison. */
const withoutThreshold = (expr: string) => expr.replace(/\s*(>=|<=|==|!=|>|<)\s*[0-9.e+-]+\s*$/, '')
const runnable = (q: SeedQuery) => (q.alert ? withoutThreshold(q.expr) : q.expr).replaceAll('{{model}}', 'local')

describe('every seed query that applies returns data', () => {
  for (const q of SEED_QUERIES.filter((q) => !q.notApplicable && !q.gpu)) {
    test(`${q.seed} › ${q.source}: ${q.expr}`, async () => {
      const data = await query(runnable(q))
      expect(data.result.length).toBeGreaterThan(0)
      expect(data.result.some((r) => Number.isFinite(Number(r.value[1])))).toBe(true)
    })
  }
})

describe('a seed query that does not apply is answered by another', () => {
  for (const q of SEED_QUERIES.filter((q) => q.notApplicable)) {
    test(`${q.seed} › ${q.source}: ${q.notApplicable!.reason}`, async () => {
      expect((await query(runnable(q))).result).toEqual([])
      if (!q.notApplicable!.instead) return
      const instead = await query(q.notApplicable!.instead)
      expect(instead.result.some((r) => Number.isFinite(Number(r.value[1])))).toBe(true)
    })
  }

  test('the seeds name GPU metrics only in queries the gpu-engines overlay answers (promtool-tested there)', () => {
    for (const q of SEED_QUERIES.filter((q) => q.gpu)) expect(q.expr).toMatch(/tts_gpu_/)
  })
})

// ---------------------------------------------------------------------------- the mapping table

interface MappingRow {
  name: string
  seed: string
  kind: string
  note: string
}

/** The "Seed metrics" table of docs/observability.md: rows of `| name | seed | kind | note |`. */
function mappingTable(): MappingRow[] {
  const doc = readFileSync(join(repoRoot, 'docs', 'observability.md'), 'utf8')
  const section = doc.slice(doc.indexOf('## Seed metrics'))
  const table = section.slice(section.indexOf('| Name in a seed |'))
  const rows: MappingRow[] = []
  for (const line of table.split('\n').slice(2)) {
    if (!line.startsWith('|')) break
    const [name, seed, kind, note] = line.split(' | ').map((c) => c.replace(/^\|?\s*|\s*\|?$/g, ''))
    rows.push({ name: name!.replaceAll('`', ''), seed: seed!, kind: kind!, note: note! })
  }
  return rows
}

/** Metric names in a note's backticked PromQL (spans such as `tts.cache.lookup` and alert names are not). */
function metricsIn(note: string): string[] {
  const names: string[] = []
  for (const [, code] of note.matchAll(/`([^`]+)`/g)) {
    if (/^[a-z][a-z0-9_.]*\.[a-z_.]+$/.test(code!) || /[A-Z]/.test(code!.split('{')[0]!)) continue
    const tree = promqlParser.parse(code!)
    tree.iterate({
      enter(node) {
        if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(code!.slice(node.from, node.to))
      },
    })
  }
  return names
}

describe('the mapping table', () => {
  const rows = mappingTable()
  type Groups = { rules: { record?: string; expr?: string }[] }[]
  const rules = [
    ...RULE_FILES.flatMap((f) => (Bun.YAML.parse(readFileSync(join(repoRoot, 'prometheus', f), 'utf8')) as { groups: Groups }).groups),
    // The GPU series are recorded where the GPUs are: the gpu-engines overlay's PrometheusRule.
    ...(Bun.YAML.parse(readFileSync(join(repoRoot, GPU_RULES), 'utf8')) as { spec: { groups: Groups } }).spec.groups,
  ]
  const recorded = new Set(rules.flatMap((g) => g.rules.map((r) => r.record).filter((r): r is string => !!r)))
  let exposition = ''
  // OpenMetrics names a counter's family without `_total`, a histogram's without its suffixes.
  const native = (name: string) => {
    const family = name.replace(/_(bucket|sum|count|total)$/, '')
    return new RegExp(`^# TYPE (${name}|${family}) `, 'm').test(exposition)
  }
  const exists = (name: string) => native(name) || recorded.has(name) || recorded.has(`${name}_bucket`) || name === 'up'

  beforeAll(async () => {
    exposition = await (await fetch(`${svc.url}/metrics`)).text()
  })

  test('lists every metric name of the seed queries, and every row says native, recorded or does not apply', () => {
    expect(rows.length).toBeGreaterThan(50)
    for (const row of rows) expect(['native', 'recorded', 'does not apply'], row.name).toContain(row.kind)
    const named = new Set(rows.map((r) => r.name))
    for (const q of SEED_QUERIES) {
      for (const metric of metricsIn(`\`${q.expr.replaceAll('{{model}}', 'x')}\``)) {
        const listed = named.has(metric) || named.has(metric.replace(/_(bucket|sum|count)$/, '')) || [...named].some((n) => n.endsWith('*') && metric.startsWith(n.slice(0, -1)))
        expect(listed, `${q.source}: ${metric} is in the table`).toBe(true)
      }
    }
  })

  test('every native name is on /metrics', () => {
    for (const row of rows.filter((r) => r.kind === 'native')) expect(native(row.name), row.name).toBe(true)
  })

  test('every recorded name has its rule, reading metrics that exist', () => {
    const sources = new Map(rules.flatMap((g) => g.rules.filter((r) => r.record).map((r) => [r.record!, String((r as { expr?: string }).expr)] as const)))
    for (const row of rows.filter((r) => r.kind === 'recorded')) {
      const rule = sources.get(row.name) ?? sources.get(`${row.name}_bucket`)
      expect(rule, `record: ${row.name}`).toBeDefined()
      for (const metric of metricsIn(`\`${rule}\``)) expect(native(metric) || metric in DCGM_EXPORTER.fields, `${row.name} reads ${metric}`).toBe(true)
    }
  })

  test('every name that does not apply names what answers it instead, and that exists', () => {
    for (const row of rows.filter((r) => r.kind === 'does not apply')) {
      const answers = metricsIn(row.note)
      expect(answers.length, `${row.name} names an answer`).toBeGreaterThan(0)
      for (const metric of answers) expect(exists(metric), `${row.name}: ${metric}`).toBe(true)
    }
  })
})

// ---------------------------------------------------------------------------- cardinality

/** Every series on /metrics, as `name{labels}` (values and exemplars dropped). */
async function seriesSet(): Promise<Set<string>> {
  const text = await (await fetch(`${svc.url}/metrics`)).text()
  return new Set(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(' # ')[0]!.replace(/ [^ ]+$/, '')),
  )
}

async function hostileRound(): Promise<void> {
  const random = () => crypto.randomUUID().slice(0, 8)
  const ws = svc.url.replace(/^http/, 'ws')
  await Promise.all([
    post('/v1/audio/speech', { model: 'tts-1', voice: `voice-${random()}`, input: 'Hello.' }),
    post('/v1/audio/speech', { model: `model-${random()}`, voice: 'alloy', input: 'Hello.' }),
    post('/v1/audio/speech', { model: 'tts-1', voice: `engine${random()}:alloy`, input: 'Hello.' }),
    post(`/v1/text-to-speech/${random()}?output_format=pcm_16000`, { text: 'Hello.', model_id: `m-${random()}` }),
    post(`/v1/text-to-speech/en-us-f1?output_format=${random()}`, { text: 'Hello.' }),
    fetch(`${svc.url}/${random()}/${random()}?${random()}=1`, { headers: { 'x-request-id': random(), 'user-agent': random() } }).then((r) => r.arrayBuffer()),
    fetch(`${svc.url}/v1/models/${random()}`).then((r) => r.arrayBuffer()),
  ])
  for (const path of [`/v1/text-to-speech/${random()}/stream-input?model_id=${random()}`, '/v1/stream']) {
    const client = new WsClient(`${ws}${path}`)
    await client.opened.catch(() => {})
    client.send(path === '/v1/stream' ? { type: 'start', voice: `v-${random()}`, format: 'pcm' } : { text: ' ' })
    client.send({ text: 'Hello there. ' })
    await client.closed
  }
}

describe('cardinality under hostile input', () => {
  test('random voices, models, engines, formats and paths create no new series', async () => {
    await hostileRound() // the first round may add each bounded label value once (a 404, an error type)
    const before = await seriesSet()
    for (let i = 0; i < 10; i++) await hostileRound()
    const after = await seriesSet()
    expect([...after].filter((s) => !before.has(s))).toEqual([])
  }, 60_000)
})
