/**
 * The loudness measurement's cost (BS.1770 integrated loudness of every utterance, which the
 * engine workers compute beside synthesis) against the whole CPU of a 20-word espeak-native
 * cache miss, measured side by side in alternating rounds.
 *
 * The measurement side runs the meter over the 20-word text's real PCM (espeak-native, 22.05
 * kHz) on this thread; the miss side is a service with the cache off answering that text as
 * pcm_22050, its CPU read from /proc (every thread: event loop, engine workers, GC), so the
 * miss includes the meter once. Goal: under 1%.
 */
import { LoudnessMeter } from '../src/audio/loudness.ts'
import { createEspeak, isNativeEspeakAvailable } from '../src/tts/engines/espeak/espeak-variants.ts'
import { resolveVoice } from '../src/tts/engines/espeak/espeak-voices.ts'
import { spawnService } from './service.ts'
import { fmt, processCpuSeconds, quantile, verdict } from './stats.ts'
import { TWENTY_WORDS } from './texts.ts'

const ROUNDS = 5
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

/** CPU µs this thread spends measuring one utterance, over `runs` utterances. */
function meterCpuMicros(pcm: Int16Array, runs: number): number {
  const before = process.cpuUsage()
  let sink = 0
  for (let i = 0; i < runs; i++) {
    const meter = new LoudnessMeter(22050)
    // Chunked as the engine workers see it (blocks of 16384 samples).
    for (let at = 0; at < pcm.length; at += 16384) meter.push(pcm.subarray(at, at + 16384))
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
  for (let i = 0; i < WARMUP; i++) await miss()
  meterCpuMicros(pcm, WARMUP)
  const meterRounds: number[] = []
  const missRounds: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    meterRounds.push(meterCpuMicros(pcm, METER_RUNS))
    const cpu0 = processCpuSeconds(svc.pid)
    for (let i = 0; i < MISSES; i++) await miss()
    missRounds.push(((processCpuSeconds(svc.pid) - cpu0) / MISSES) * 1e6)
  }
  await svc.stop()
  const meter = quantile(meterRounds, 0.5)
  const missCpu = quantile(missRounds, 0.5)
  const share = meter / missCpu
  return [
    `Loudness measurement (BS.1770, ${fmt(pcm.length / 22050, 1)} s of 20-word espeak-native speech; median of ${ROUNDS} alternating rounds):`,
    `  meter ${fmt(meter, 1)} µs CPU per utterance (${fmt((meter * 1000) / pcm.length, 2)} ns per sample); 20-word native miss ${fmt(missCpu, 0)} µs CPU (pcm_22050, cache off, whole process)`,
    `  ${verdict("loudness measurement's share of a 20-word native miss < 1%", share < 0.01, `${fmt(share * 100, 2)}%`)}`,
  ]
}
