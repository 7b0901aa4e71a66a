/**
 * The memory half of `bun run bench gateway-cost`: resident memory per request in flight, BURST
 * at once, against an upstream that holds each answer for a second: the gateway with every
 * signal on, the same with telemetry off and no cache, the bare Bun `fetch` passthrough
 * (what holding a proxied request costs a Bun process at the least), and a Bun server that only
 * holds the request (the runtime's floor before any proxying), in alternating rounds.
 *
 * Each round starts a fresh process, warms it one request at a time (JIT, connection pool),
 * then holds BURST requests. The growth is what holding them costs, the heap's growth
 * included (garbage not yet collected counts too: RSS cannot tell it from live objects).
 * Measured on a process that already held a burst it reads near zero, since the heap it grew
 * is reused: a second burst is no measure of it.
 */
import { join } from 'node:path'
import { enginesFile } from './gateway-fixtures.ts'
import { type BenchService, otlpSink, spawnService, TELEMETRY_OFF } from './service.ts'
import { fmt, processRssBytes, quantile, runConcurrently, verdict } from './stats.ts'
import { TWENTY_WORDS } from './texts.ts'

const BURST = 200
const MEMORY_ROUNDS = 3

export interface Burst {
  before: number
  peak: number
  inflight: number
  failed: number
}

export async function burstOn(svc: BenchService, speak: (svc: BenchService) => Promise<boolean>): Promise<Burst> {
  await runConcurrently(20, 1, () => speak(svc))
  const before = processRssBytes(svc.pid)
  let inflight = 0
  let peak = before
  let peakInflight = 0
  let failed = 0
  const sampler = setInterval(() => {
    if (inflight < peakInflight) return
    ;[peak, peakInflight] = [Math.max(peak, processRssBytes(svc.pid)), inflight]
  }, 20)
  await runConcurrently(BURST, BURST, async () => {
    inflight++
    try {
      if (!(await speak(svc))) failed++
    } catch {
      failed++
    } finally {
      inflight--
    }
  })
  clearInterval(sampler)
  return { before, peak, inflight: peakInflight, failed }
}

/**
 * One request of a burst: a new 20-word text each call (so each is a miss), true when a whole
 * mp3 came back.
 *
 * @example
 * const speak = burstSpeaker()
 * const burst = await burstOn(svc, speak)
 */
export function burstSpeaker(): (svc: BenchService) => Promise<boolean> {
  let n = 0
  return (svc) =>
    fetch(`${svc.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: `${TWENTY_WORDS} Burst ${++n}.`, response_format: 'mp3' }),
    }).then(async (res) => res.status === 200 && (await res.arrayBuffer()).byteLength >= 1000)
}

/**
 * @example
 * const lines = await memoryPerRequest(dir) // dir holds answer.mp3 (gateway-fixtures.ts makeMp3)
 */
export async function memoryPerRequest(dir: string): Promise<string[]> {
  const sink = otlpSink()
  const started: BenchService[] = []
  const speak = burstSpeaker()
  try {
    const upstream = await spawnService({ UPSTREAM_BODY_FILE: join(dir, 'answer.mp3'), UPSTREAM_DELAY_MS: '1000' }, 'bench/fixed-upstream.ts')
    started.push(upstream)
    const gateway = (env: Record<string, string>) => () => spawnService({ ...env, TTS_ENGINES_FILE: enginesFile(dir, 'memory', upstream.url) })
    const variants: [string, () => Promise<BenchService>][] = [
      ['tts-edge gateway, every signal on', gateway({ OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, LOG_LEVEL: 'info' })],
      ['tts-edge gateway, telemetry off, no cache', gateway({ ...TELEMETRY_OFF, TTS_CACHE_MAX_BYTES: '0' })],
      ['bare Bun fetch passthrough', () => spawnService({ PASSTHROUGH_UPSTREAM: upstream.url }, 'bench/bare-passthrough.ts')],
      ['Bun.serve holding a request, nothing else', () => spawnService({ UPSTREAM_BODY_FILE: join(dir, 'answer.mp3') }, 'bench/bare-hold.ts')],
    ]
    const bursts = variants.map(() => [] as Burst[])
    for (let round = 0; round < MEMORY_ROUNDS; round++) {
      for (const [i, [, start]] of variants.entries()) {
        const svc = await start()
        try {
          bursts[i]!.push(await burstOn(svc, speak))
        } finally {
          await svc.stop()
        }
      }
    }
    const per = bursts.map((list) => list.map((b) => (b.inflight ? (b.peak - b.before) / b.inflight : Number.NaN)))
    const medians = per.map((list) => quantile(list, 0.5))
    const failed = bursts.flat().reduce((sum, b) => sum + b.failed, 0)
    const [gatewayKiB, , bareKiB, floorKiB] = medians.map((m) => m / 1024) as [number, number, number, number]
    return [
      `Gateway memory: resident set per request in flight, ${BURST} at once, upstream holding each answer 1 s (a fresh, warmed process each round; median of ${MEMORY_ROUNDS}):`,
      ...variants.map(
        ([label], i) =>
          `  ${label.padEnd(44)} ${fmt(medians[i]! / 1024, 1).padStart(6)} KiB per request (rounds ${per[i]!.map((x) => fmt(x / 1024, 1)).join(', ')}; idle ${fmt(bursts[i]![0]!.before / 2 ** 20, 1)} MiB)`,
      ),
      verdict(`RSS per request in flight <= 16 KiB, every signal on`, gatewayKiB <= 16 && failed === 0, `${fmt(gatewayKiB, 1)} KiB, x${fmt(gatewayKiB / bareKiB)} the bare passthrough's ${fmt(bareKiB, 1)} KiB (${failed} failed)`),
      `  the runtime's floor: a Bun server holding a request and nothing else reads ${fmt(floorKiB, 1)} KiB per request in flight by the same measure${floorKiB > 16 ? ', above the 16 KiB goal' : ''}`,
    ]
  } finally {
    await Promise.all(started.map((s) => s.stop()))
    sink.stop()
  }
}
