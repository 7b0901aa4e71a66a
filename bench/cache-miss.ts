/**
 * Cache-miss latency through HTTP vs the engine called directly on the same 20-word text,
 * for each engine. The service runs with TTS_CACHE_MAX_BYTES=0 so every request is a miss.
 */
import type { EspeakVariant } from '../src/tts/engines/espeak/espeak-settings.ts'
import { loadConfig } from '../src/config.ts'
import { createEspeak, isNativeEspeakAvailable } from '../src/tts/engines/espeak/espeak-variants.ts'
import { timeEngine } from './engine-speed.ts'
import { spawnService } from './service.ts'
import { fmt, quantile, verdict } from './stats.ts'
import { TWENTY_WORDS } from './texts.ts'

const RUNS = 60
// Both sides run warm, as a service that has been up a while does. The JIT keeps promoting
// the request path for thousands of requests (after 300, the time before synthesis starts
// was still 0.43 ms; after 3000, 0.30 ms), so thousands of one-word misses come first, then
// the measured text a hundred times.
const JIT_WARMUP = 3000
const WARMUP = 100
const ONE_WORD = 'Hello.'

/** The engine in this process, as the service builds it (same worker count and niceness). */
async function directEngine(kind: EspeakVariant) {
  const engine = createEspeak({ engine: kind, workers: 2, maxQueue: 8, nice: loadConfig({}).TTS_ENGINE_NICE })
  await engine.warmup()
  for (let i = 0; i < JIT_WARMUP; i++) await timeEngine(engine, ONE_WORD)
  for (let i = 0; i < WARMUP; i++) await timeEngine(engine, TWENTY_WORDS)
  return engine
}

/** The engine's own 22.05 kHz PCM (no conversion) through ElevenLabs' route; other formats through OpenAI's. */
function request(format: string, text: string): { path: string; body: string } {
  return format === 'pcm_22050'
    ? { path: `/v1/text-to-speech/en-us-f1?output_format=pcm_22050`, body: JSON.stringify({ text }) }
    : { path: '/v1/audio/speech', body: JSON.stringify({ model: 'tts-1', voice: 'en-us-f1', input: text, response_format: format }) }
}

const FORMATS = ['pcm_22050', 'wav', 'pcm', 'mp3']

/** A service whose every request is a miss, warmed up, and a timer for one request to it. */
async function missingService(kind: EspeakVariant) {
  const svc = await spawnService({ TTS_ENGINE: kind, TTS_CACHE_MAX_BYTES: '0', TTS_MAX_CONCURRENCY: '2', LOG_LEVEL: 'warn' })
  const once = async (format: string, text = TWENTY_WORDS) => {
    const { path, body } = request(format, text)
    const t = performance.now()
    const res = await fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    await res.arrayBuffer()
    if (res.headers.get('x-cache') !== 'MISS') throw new Error('expected a cache miss')
    return performance.now() - t
  }
  for (let i = 0; i < JIT_WARMUP; i++) await once(FORMATS[i % FORMATS.length]!, ONE_WORD)
  for (const format of FORMATS) for (let i = 0; i < WARMUP; i++) await once(format)
  return { once, stop: () => svc.stop() }
}

export async function benchCacheMiss(): Promise<string[]> {
  const lines = [`Cache-miss latency, 20-word sentence, p50 of ${RUNS} alternating pairs (HTTP vs engine called directly):`]
  const kinds: EspeakVariant[] = ['espeak-wasm', ...(isNativeEspeakAvailable() ? (['espeak-native'] as const) : [])]
  for (const kind of kinds) {
    const [engine, svc] = await Promise.all([directEngine(kind), missingService(kind)])
    for (const format of FORMATS) {
      // Pairs alternate so that a shared machine's drift lands on both sides alike.
      const engineRuns: number[] = []
      const httpRuns: number[] = []
      for (let i = 0; i < RUNS; i++) {
        engineRuns.push((await timeEngine(engine, TWENTY_WORDS)).ms)
        httpRuns.push(await svc.once(format))
      }
      const engineMs = quantile(engineRuns, 0.5)
      const httpMs = quantile(httpRuns, 0.5)
      const ratio = httpMs / engineMs
      const line = `${kind} ${format}: HTTP ${fmt(httpMs, 1)} ms vs engine ${fmt(engineMs, 1)} ms, ratio ${fmt(ratio)}`
      // The target is the service's own overhead: the engine's native PCM, no conversion.
      // The other formats add resampling to 24 kHz (and mp3 encoding), shown for information.
      lines.push(format === 'pcm_22050' ? `  ${verdict('ratio <= 1.10', ratio <= 1.1, line)}` : `  info  ${line} (includes conversion)`)
    }
    await Promise.all([svc.stop(), engine.close()])
  }
  return lines
}
