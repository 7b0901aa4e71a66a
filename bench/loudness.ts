/**
 * The loudness measurement's cost (BS.1770 integrated loudness of every utterance, which the
 * engine workers compute beside synthesis) against the whole CPU of a 20-word espeak-native
 * cache miss, measured side by side in alternating rounds.
 *
 * The measurement side runs the meter over the 20-word text's real PCM (espeak-native, 22.05
 * kHz) on this thread; the miss side is a service with the cache off answering that text as
 * pcm_22050, its CPU read from /proc (every thread: event loop, engine workers, GC), so the
 * miss includes the meter once. Both sides are CPU time of whole processes (this one's meter
 * loop, the service's every thread), read in the same rounds; the share is the median of each
 * round's own ratio, so a change of load between rounds slows both of its sides alike.
 * Goal: under 1%.
 *
 * BENCH_BASELINE_ROOT=/path/to/checkout[,...] adds each build's meter to the same rounds (an A/B).
 */
import { readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { LoudnessMeter } from '../src/audio/loudness.ts'
import { createEspeak, isNativeEspeakAvailable } from '../src/tts/engines/espeak/espeak-variants.ts'
import { resolveVoice } from '../src/tts/engines/espeak/espeak-voices.ts'
import { spawnService } from './service.ts'
import { fmt, processCpuSeconds, quantile, verdict } from './stats.ts'
import { TWENTY_WORDS } from './texts.ts'

const ROUNDS = 7
const MISSES = 100
const METER_RUNS = 400
const WARMUP = 200

/** The 20-word text as the native engine speaks it. */
async function twentyWordPcm(): Promise<Int16Array> {
  const engine = createEspeak({ engine: 'espeak-native', workers: 1, maxQueue: 2 })
  await engine.warmup()
  const parts: Int16Array[] = []
  for await (const chunk of engine.synthesize(TWENTY_WORDS, resolveVoice('en-us-f1')!, { speed: 1 })) parts.push(chunk.samples)
  await engine.close()
  const pcm = new Int16Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) (pcm.set(p, at), (at += p.length))
  return pcm
}

type Meter = typeof LoudnessMeter

/** This build's meter, then each baseline build's. */
async function meters(): Promise<{ label: string; Meter: Meter }[]> {
  const roots = (process.env.BENCH_BASELINE_ROOT ?? '').split(',').filter(Boolean)
  const baselines = await Promise.all(
    roots.map(async (root) => ({ label: basename(root), Meter: ((await import(join(root, 'src/audio/loudness.ts'))) as typeof import('../src/audio/loudness.ts')).LoudnessMeter })),
  )
  return [{ label: 'this build', Meter: LoudnessMeter }, ...baselines]
}

/** CPU µs this process spends measuring one utterance, over `runs` utterances. */
function meterCpuMicros(Meter: Meter, pcm: Int16Array, runs: number): number {
  const before = process.cpuUsage()
  let sink = 0
  for (let i = 0; i < runs; i++) {
    const meter = new Meter(22050)
    // Chunked as the engine workers see it (blocks of 16384 samples).
    for (let at = 0; at < pcm.length; at += 16384) meter.push(pcm.subarray(at, at + 16384))
    // As the loudness stage ends an utterance (a baseline build's meter may have no finish()).
    ;(meter as { finish?: () => void }).finish?.()
    sink += meter.integrated() ?? 0
  }
  const used = process.cpuUsage(before)
  if (!Number.isFinite(sink)) throw new Error('no loudness measured')
  return (used.user + used.system) / runs
}

export async function benchLoudness(): Promise<string[]> {
  if (!isNativeEspeakAvailable()) return ['Loudness measurement: skipped (needs libespeak-ng for the native miss it is compared with)']
  const pcm = await twentyWordPcm()
  const svc = await spawnService({ TTS_ENGINE: 'espeak-native', TTS_CACHE_MAX_BYTES: '0', TTS_MAX_CONCURRENCY: '2', LOG_LEVEL: 'warn' })
  const miss = () =>
    fetch(`${svc.url}/v1/text-to-speech/en-us-f1?output_format=pcm_22050`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: TWENTY_WORDS }) }).then((r) => r.arrayBuffer())
  const builds = await meters()
  const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0]
  const loadBefore = loadAverage()
  for (let i = 0; i < WARMUP; i++) await miss()
  for (const { Meter } of builds) meterCpuMicros(Meter, pcm, WARMUP)
  const meterRounds = builds.map(() => [] as number[])
  const missRounds: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, { Meter }] of builds.entries()) meterRounds[i]!.push(meterCpuMicros(Meter, pcm, METER_RUNS))
    const cpu0 = processCpuSeconds(svc.pid)
    for (let i = 0; i < MISSES; i++) await miss()
    missRounds.push(((processCpuSeconds(svc.pid) - cpu0) / MISSES) * 1e6)
  }
  await svc.stop()
  const missCpu = quantile(missRounds, 0.5)
  const lines = [
    `Loudness measurement (BS.1770, ${fmt(pcm.length / 22050, 1)} s of 20-word espeak-native speech; medians of ${ROUNDS} alternating rounds; load average ${loadBefore} -> ${loadAverage()}):`,
    `  20-word native miss ${fmt(missCpu, 0)} µs CPU (pcm_22050, cache off, whole process)`,
  ]
  for (const [i, { label }] of builds.entries()) {
    const meter = quantile(meterRounds[i]!, 0.5)
    const share = quantile(meterRounds[i]!.map((m, round) => m / missRounds[round]!), 0.5)
    lines.push(`  meter (${label}) ${fmt(meter, 1)} µs CPU per utterance (${fmt((meter * 1000) / pcm.length, 2)} ns per sample): ${fmt(share * 100, 2)}% of the miss (median of the rounds' ratios)`)
    if (i === 0) lines.push(`  ${verdict("loudness measurement's share of a 20-word native miss < 1%", share < 0.01, `${fmt(share * 100, 2)}%`)}`)
  }
  return lines
}
