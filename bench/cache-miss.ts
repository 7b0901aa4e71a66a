/**
 * Cache-miss latency through HTTP vs the engine called directly on the same 20-word text,
 * for each engine. The service runs with TTS_CACHE_MAX_BYTES=0 so every request is a miss.
 */
import type { EngineKind } from '../src/tts/engines/index.ts'
import { loadConfig } from '../src/config.ts'
import { createEngine, isNativeEspeakAvailable } from '../src/tts/engines/index.ts'
import { timeEngine } from './engine-speed.ts'
import { spawnService } from './service.ts'
import { fmt, quantile, verdict } from './stats.ts'
import { TWENTY_WORDS } from './texts.ts'

const RUNS = 60
// Both sides run warm: the service's request path needs a few hundred requests before the
// JIT has compiled it (30 cold requests measured the interpreter, not the service).
const WARMUP = 300

/** The engine in this process, as the service builds it (same worker count and niceness). */
async function directEngine(kind: EngineKind) {
  const engine = createEngine({ engine: kind, workers: 2, maxQueue: 8, nice: loadConfig({}).TTS_ENGINE_NICE })
  await engine.warmup()
  for (let i = 0; i < WARMUP; i++) await timeEngine(engine, TWENTY_WORDS)
  return engine
}

/** The engine's own 22.05 kHz PCM (no conversion) through ElevenLabs' route; other formats through OpenAI's. */
function request(format: string): { path: string; body: string } {
  return format === 'pcm_22050'
    ? { path: `/v1/text-to-speech/en-us-f1?output_format=pcm_22050`, body: JSON.stringify({ text: TWENTY_WORDS }) }
    : { path: '/v1/audio/speech', body: JSON.stringify({ model: 'tts-1', voice: 'en-us-f1', input: TWENTY_WORDS, response_format: format }) }
}

/** A service whose every request is a miss, warmed up, and a timer for one request to it. */
async function missingService(kind: EngineKind, format: string) {
  const svc = await spawnService({ TTS_ENGINE: kind, TTS_CACHE_MAX_BYTES: '0', TTS_MAX_CONCURRENCY: '2', LOG_LEVEL: 'warn' })
  const { path, body } = request(format)
  const once = async () => {
    const t = performance.now()
    const res = await fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    await res.arrayBuffer()
    if (res.headers.get('x-cache') !== 'MISS') throw new Error('expected a cache miss')
    return performance.now() - t
  }
  for (let i = 0; i < WARMUP; i++) await once()
  return { once, stop: () => svc.stop() }
}

export async function benchCacheMiss(): Promise<string[]> {
  const lines = [`Cache-miss latency, 20-word sentence, p50 of ${RUNS} alternating pairs (HTTP vs engine called directly):`]
  const kinds: EngineKind[] = ['espeak-wasm', ...(isNativeEspeakAvailable() ? (['espeak-native'] as const) : [])]
  for (const kind of kinds) {
    const engine = await directEngine(kind)
    for (const format of ['pcm_22050', 'wav', 'pcm', 'mp3']) {
      const svc = await missingService(kind, format)
      // Pairs alternate so that a shared machine's drift lands on both sides alike.
      const engineRuns: number[] = []
      const httpRuns: number[] = []
      for (let i = 0; i < RUNS; i++) {
        engineRuns.push((await timeEngine(engine, TWENTY_WORDS)).ms)
        httpRuns.push(await svc.once())
      }
      await svc.stop()
      const engineMs = quantile(engineRuns, 0.5)
      const httpMs = quantile(httpRuns, 0.5)
      const ratio = httpMs / engineMs
      const line = `${kind} ${format}: HTTP ${fmt(httpMs, 1)} ms vs engine ${fmt(engineMs, 1)} ms, ratio ${fmt(ratio)}`
      // The target is the service's own overhead: the engine's native PCM, no conversion.
      // The other formats add resampling to 24 kHz (and mp3 encoding), shown for information.
      lines.push(format === 'pcm_22050' ? `  ${verdict('ratio <= 1.10', ratio <= 1.1, line)}` : `  info  ${line} (includes conversion)`)
    }
    await engine.close()
  }
  return lines
}
