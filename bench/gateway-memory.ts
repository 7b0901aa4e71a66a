/**
 * The memory half of `bun run bench gateway-cost`: the gateway's resident memory per request in
 * flight, BURST at once, every signal on.
 */
import { join } from 'node:path'
import { enginesFile } from './gateway-fixtures.ts'
import { otlpSink, spawnService, type BenchService } from './service.ts'
import { fmt, processRssBytes, quantile, runConcurrently, verdict } from './stats.ts'
import { TWENTY_WORDS } from './texts.ts'

const BURST = 200
const MEMORY_ROUNDS = 3

/**
 * RSS per request in flight with BURST at once: a fresh gateway each round, warmed one request
 * at a time (JIT, connection pool), then BURST requests held by the upstream for a second.
 * The growth is what holding them costs the process, heap growth included; measured on a
 * gateway that already held a burst, it reads near zero (the heap it grew is reused), which is
 * why a second burst is no measure of it.
 */
export async function memoryPerRequest(dir: string): Promise<string[]> {
  const mp3 = join(dir, 'answer.mp3')
  const sink = otlpSink()
  const started: BenchService[] = []
  let n = 0
  const speak = (gateway: BenchService) =>
    fetch(`${gateway.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: `${TWENTY_WORDS} Burst ${++n}.`, response_format: 'mp3' }),
    }).then(async (res) => res.status === 200 && (await res.arrayBuffer()).byteLength >= 1000)
  try {
    const upstream = await spawnService({ UPSTREAM_BODY_FILE: mp3, UPSTREAM_DELAY_MS: '1000' }, 'bench/fixed-upstream.ts')
    started.push(upstream)
    const rounds: { before: number; peak: number; inflight: number; failed: number }[] = []
    for (let round = 0; round < MEMORY_ROUNDS; round++) {
      const gateway = await spawnService({ OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, LOG_LEVEL: 'info', TTS_ENGINES_FILE: enginesFile(dir, 'memory', upstream.url) })
      try {
        await runConcurrently(20, 1, () => speak(gateway))
        const before = processRssBytes(gateway.pid)
        let inflight = 0
        let peak = before
        let peakInflight = 0
        let failed = 0
        const sampler = setInterval(() => {
          if (inflight < peakInflight) return
          ;[peak, peakInflight] = [Math.max(peak, processRssBytes(gateway.pid)), inflight]
        }, 20)
        await runConcurrently(BURST, BURST, async () => {
          inflight++
          try {
            if (!(await speak(gateway))) failed++
          } catch {
            failed++
          } finally {
            inflight--
          }
        })
        clearInterval(sampler)
        rounds.push({ before, peak, inflight: peakInflight, failed })
      } finally {
        await gateway.stop()
      }
    }
    const per = rounds.map((r) => (r.inflight ? (r.peak - r.before) / r.inflight : Number.NaN))
    const failed = rounds.reduce((sum, r) => sum + r.failed, 0)
    const median = quantile(per, 0.5)
    return [
      `Gateway memory: resident set per request in flight, ${BURST} at once, upstream holding each answer 1 s (a fresh, warmed gateway each round):`,
      ...rounds.map(
        (r, i) =>
          `  round ${i + 1}: ${fmt(r.before / 2 ** 20, 1)} MiB idle, ${fmt(r.peak / 2 ** 20, 1)} MiB with ${r.inflight} in flight: ${fmt(per[i]! / 1024, 1)} KiB per request (${r.failed} failed)`,
      ),
      verdict(`RSS per request in flight <= 16 KiB (median of ${MEMORY_ROUNDS})`, median <= 16 * 1024 && failed === 0, `${fmt(median / 1024, 1)} KiB (rounds ${per.map((x) => fmt(x / 1024, 1)).join(', ')})`),
    ]
  } finally {
    await Promise.all(started.map((s) => s.stop()))
    sink.stop()
  }
}

