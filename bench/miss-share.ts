/**
 * Telemetry's share of a 20-word cache miss on the native engine (part of `bun run bench
 * hit-path`; alone as `hit-path-miss`): the miss's whole CPU, synthesis included, against what
 * telemetry adds outside the engine's Worker threads, where telemetry runs and synthesis does not.
 *
 * Two services that miss on every request, one with every signal on at the default sampling and
 * one with telemetry off, take the misses in turn, one at a time: on, off, off, on, ... So the
 * shared machine's drift lands on both alike within each block. Each thread's CPU is read to the
 * nanosecond before and after each block (bench/stats.ts). The figure is the mean of the blocks'
 * paired differences, with its 95% interval. The verdict holds only when the whole interval is
 * under 1%: the issue asks for it in every run, not in a lucky one.
 */
import { isNativeEspeakAvailable } from '../src/tts/engines/espeak/espeak-variants.ts'
import { otlpSink, spawnService, TELEMETRY_OFF, type BenchService } from './service.ts'
import { cpuBetween, fmt, quantile, threadTimes, verdict } from './stats.ts'
import { TWENTY_WORDS } from './texts.ts'

const BLOCKS = 40
const PAIRS_PER_BLOCK = 50
const WARMUP = 2000

/** The engine's own 22.05 kHz PCM through ElevenLabs' route: the least work per miss, so telemetry's largest share. */
const missBody = (text: string) => JSON.stringify({ text })

interface Block {
  /** CPU per miss of each service, µs: the whole process, and outside its Worker threads. */
  on: { us: number; outsideUs: number }
  off: { us: number; outsideUs: number }
  ended: number
}

/**
 * Runs the two services side by side and prints the share with its interval and a verdict.
 *
 * @example
 * console.log((await benchMissShare()).join('\n'))
 */
export async function benchMissShare(): Promise<string[]> {
  const engine = isNativeEspeakAvailable() ? 'espeak-native' : 'espeak-wasm'
  const sink = otlpSink()
  const base = { TTS_ENGINE: engine, TTS_CACHE_MAX_BYTES: '0' }
  const started: BenchService[] = []
  let counter = 0
  const latencies = { on: [] as number[], off: [] as number[] }
  const miss = async (svc: BenchService, text: string) => {
    const t = performance.now()
    const res = await fetch(`${svc.url}/v1/text-to-speech/en-us-f1?output_format=pcm_22050`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: missBody(text),
    })
    await res.arrayBuffer()
    if (res.headers.get('x-cache') !== 'MISS') throw new Error('expected a cache miss')
    return performance.now() - t
  }
  // A distinct 20-word text every time (the last word is a number), so no path can shortcut a repeat.
  const twenty = () => TWENTY_WORDS.replace(/today\.$/, `${++counter}.`)
  try {
    started.push(await spawnService({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_TRACES_SAMPLER: 'always_on', LOG_LEVEL: 'info' }))
    started.push(await spawnService({ ...base, ...TELEMETRY_OFF }))
    const [on, off] = started as [BenchService, BenchService]
    for (let i = 0; i < WARMUP; i++) for (const svc of [on, off]) await miss(svc, i % 10 ? `Hello ${i}.` : twenty())
    const blocks: Block[] = []
    for (let b = 0; b < BLOCKS; b++) {
      const before = { on: threadTimes(on.pid), off: threadTimes(off.pid) }
      for (let i = 0; i < PAIRS_PER_BLOCK; i++) {
        for (const side of i % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
          latencies[side].push(await miss(side === 'on' ? on : off, twenty()))
        }
      }
      const cpuOn = cpuBetween(before.on, threadTimes(on.pid))
      const cpuOff = cpuBetween(before.off, threadTimes(off.pid))
      const perMiss = (seconds: number) => (seconds / PAIRS_PER_BLOCK) * 1e6
      blocks.push({
        on: { us: perMiss(cpuOn.total), outsideUs: perMiss(cpuOn.outside) },
        off: { us: perMiss(cpuOff.total), outsideUs: perMiss(cpuOff.outside) },
        ended: cpuOn.ended + cpuOff.ended,
      })
    }
    return report(engine, blocks, latencies)
  } finally {
    await Promise.all(started.map((svc) => svc.stop()))
    sink.stop()
  }
}

function report(engine: string, blocks: Block[], latencies: { on: number[]; off: number[] }): string[] {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  const diffs = blocks.map((b) => b.on.outsideUs - b.off.outsideUs)
  const added = mean(diffs)
  const sd = Math.sqrt(diffs.reduce((a, d) => a + (d - added) ** 2, 0) / (diffs.length - 1))
  const half = (1.96 * sd) / Math.sqrt(diffs.length)
  const whole = mean(blocks.map((b) => b.on.us))
  const pct = (us: number) => `${fmt((us / whole) * 100, 2)}%`
  const signed = (us: number) => `${us >= 0 ? '+' : ''}${fmt(us, 0)} µs`
  const ended = blocks.reduce((a, b) => a + b.ended, 0)
  const line = (side: 'on' | 'off') =>
    `${fmt(mean(blocks.map((b) => b[side].us)) / 1000, 2)} ms CPU per miss (outside the engine workers ${fmt(mean(blocks.map((b) => b[side].outsideUs)) / 1000, 2)} ms), p50 ${fmt(quantile(latencies[side], 0.5), 2)} ms`
  return [
    `Telemetry's share of a 20-word ${engine} cache miss (pcm_22050; ${BLOCKS} blocks of ${PAIRS_PER_BLOCK} misses a side, taken in turn; each thread's CPU to the ns):`,
    `  every signal on, default sampling: ${line('on')}`,
    `  telemetry off:                     ${line('off')}`,
    verdict(
      "telemetry's share of the miss's CPU < 1% (the whole 95% interval)",
      added + half < 0.01 * whole,
      `${pct(added)}, 95% interval ${pct(added - half)} to ${pct(added + half)} (${signed(added)} outside the workers, mean of ${BLOCKS} paired blocks, ±${fmt(half, 0)} µs; median ${signed(quantile(diffs, 0.5))}; of ${fmt(whole, 0)} µs; whole process ${signed(mean(blocks.map((b) => b.on.us - b.off.us)))}${ended ? `; ${ended} threads ended mid-block, their last interval uncounted` : ''})`,
    ),
  ]
}
