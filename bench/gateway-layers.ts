/**
 * `bun run bench gateway-layers` (only when named): where a gateway miss's own cost sits, layer
 * by layer, in-process, telemetry off and no cache (the gateway itself, as gateway-cost's
 * "telemetry off, no cache" line). The same miss (a new 20-word text, ~8 KB mp3 from
 * bench/fixed-upstream.ts in its own process, read to the end, 8 at a time) is made at four
 * depths of each build (this one and each BENCH_BASELINE_ROOT checkout, from its own modules):
 * - the upstream `fetch` alone, as the upstream client makes it (no build: the floor);
 * - the engine: router, `openai` engine, upstream client, bulkhead, breaker, deadlines;
 * - the speech service: key, lookup, flight, broadcast, store step, over the engine;
 * - the whole app through `app.request`: middleware, validation, usage, route, response.
 * For each: the JavaScript objects allocated per miss, counted by the heap (`bun:jsc`
 * heapStats between two points with no collection in between; objects, not bytes: most kinds
 * repeat to within one from run to run, arrays and promises vary by a few with timing, so a
 * cut of ten objects shows where CPU rounds cannot; allocation is what the collector pays
 * for, about a tenth of a miss's CPU here), and CPU µs per miss (process.cpuUsage,
 * median of BENCH_GL_ROUNDS rotating rounds of BENCH_GL_REQUESTS misses; the upstream's
 * CPU not counted, the fetch's own HTTP thread counted).
 */
import { heapStats } from 'bun:jsc'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { makeMp3 } from './gateway-fixtures.ts'
import { gatewayOf } from './gateway-miss-telemetry.ts'
import { spawnService, TELEMETRY_OFF } from './service.ts'
import { fmt, quantile, rotatingRounds } from './stats.ts'
import { TWENTY_WORDS } from './texts.ts'

const ROOT = join(import.meta.dir, '..')
const ROUNDS = () => Number(process.env.BENCH_GL_ROUNDS ?? 9)
const REQUESTS = () => Number(process.env.BENCH_GL_REQUESTS ?? 2000)
const COUNTED = 150
const CONCURRENCY = 8
const baselineRoots = () => (process.env.BENCH_BASELINE_ROOT ?? '').split(',').filter(Boolean)

type Miss = () => Promise<void>

interface Layer {
  label: string
  build: string
  miss: Miss
}

let sequence = 0
const text = () => `${TWENTY_WORDS.replace(/today\.$/, '')}${++sequence}.`

async function misses(miss: Miss, count: number): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < count) await miss()
    }),
  )
}

/** Objects allocated per miss: no collection runs between the two counts (COUNTED misses allocate far less than a cycle's allowance). */
async function objectsPerMiss(miss: Miss): Promise<number> {
  Bun.gc(true)
  const before = objectCount()
  await misses(miss, COUNTED)
  return (objectCount() - before) / COUNTED
}

/** Cells in the heap, by the per-type counts (the total field counts only some kinds). */
function objectCount(): number {
  let total = 0
  for (const count of Object.values(heapStats().objectTypeCounts)) total += count
  return total
}

async function cpuPerMiss(miss: Miss): Promise<number> {
  const start = process.cpuUsage()
  await misses(miss, REQUESTS())
  const used = process.cpuUsage(start)
  return (used.user + used.system) / REQUESTS()
}

async function layersOf(root: string, name: string, upstreamUrl: string) {
  const gateway = await gatewayOf(root, name, TELEMETRY_OFF, upstreamUrl)
  const { parseOpenAIFormat } = await import(join(root, 'src/audio/formats.ts'))
  const format = parseOpenAIFormat('mp3').spec
  const voice = gateway.engine.resolveVoice('alloy')
  const layers: Layer[] = [
    {
      label: 'engine (router, upstream client)',
      build: name,
      miss: async () => {
        for await (const chunk of gateway.engine.synthesize(text(), voice, { speed: 1, format, model: 'tts-1' }, new AbortController().signal)) void chunk
      },
    },
    {
      label: 'speech service over the engine',
      build: name,
      miss: async () => {
        const input = text()
        const result = await gateway.speech.speak({ text: input, source: input, markup: 'none', voice, format, speed: 1, model: 'tts-1', params: {}, signal: new AbortController().signal })
        for await (const bytes of result.chunks) void bytes
      },
    },
    {
      label: 'whole app (app.request)',
      build: name,
      miss: async () => {
        const body = JSON.stringify({ model: 'tts-1', voice: 'alloy', response_format: 'mp3', input: text() })
        const res = await gateway.request('/v1/audio/speech', { method: 'POST', body, headers: { 'content-type': 'application/json' } })
        await res.arrayBuffer()
        if (res.status !== 200) throw new Error(`${name}: status ${res.status}`)
      },
    },
  ]
  return { gateway, layers }
}

export async function benchGatewayLayers(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tts-bench-gateway-layers-'))
  const upstream = await spawnService({ UPSTREAM_BODY_FILE: makeMp3(dir) }, 'bench/fixed-upstream.ts')
  const built: Awaited<ReturnType<typeof layersOf>>[] = []
  try {
    const fetchAlone: Layer = {
      label: 'the upstream fetch alone',
      build: '',
      miss: async () => {
        const body = JSON.stringify({ model: 'tts-1', input: text(), voice: 'alloy', response_format: 'mp3', speed: 1 })
        const res = await fetch(`${upstream.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: new AbortController().signal })
        await res.bytes()
      },
    }
    for (const [name, root] of [['this build', ROOT] as const, ...baselineRoots().map((r) => [basename(r), r] as const)]) built.push(await layersOf(root, name, upstream.url))
    const all = [fetchAlone, ...built.flatMap((b) => b.layers)]
    for (const layer of all) await misses(layer.miss, 1000)
    const objects: number[] = []
    for (const layer of all) objects.push(await objectsPerMiss(layer.miss))
    const cpu = await rotatingRounds(all, ROUNDS(), (layer) => cpuPerMiss(layer.miss))
    const us = cpu.map((rounds) => quantile(rounds, 0.5))
    const lines = [
      `Gateway miss by layer, in-process, telemetry off, no cache (8 at a time; objects allocated per miss over ${COUNTED} misses; CPU median of ${ROUNDS()} rotating rounds of ${REQUESTS()}):`,
      ...all.map((l, i) => `  ${`${l.build ? `${l.build}: ` : ''}${l.label}`.padEnd(52)} ${fmt(objects[i]!, 1).padStart(7)} objects  ${fmt(us[i]!, 1).padStart(7)} µs  (rounds ${cpu[i]!.map((x) => fmt(x, 0)).join(', ')})`),
    ]
    // Paired per round: each baseline's layer against this build's same layer.
    const per = built[0]!.layers.length
    for (let b = 1; b < built.length; b++) {
      for (let l = 0; l < per; l++) {
        const self = cpu[1 + l]!
        const other = cpu[1 + b * per + l]!
        const ratios = self.map((x, i) => x / other[i]!)
        lines.push(`  this build / ${built[b]!.layers[l]!.build}, ${built[0]!.layers[l]!.label}: objects ${fmt(objects[1 + l]!, 1)} vs ${fmt(objects[1 + b * per + l]!, 1)}; CPU median of paired round ratios ${fmt(quantile(ratios, 0.5), 3)} (quartiles ${fmt(quantile(ratios, 0.25), 3)} to ${fmt(quantile(ratios, 0.75), 3)})`)
      }
    }
    return lines
  } finally {
    await Promise.all(built.map((b) => b.gateway.close()))
    await upstream.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
