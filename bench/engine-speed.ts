/**
 * Engine speed as real-time factor (synthesis wall time / audio duration) for each engine,
 * beside the Debian `espeak-ng` command-line tool speaking the same texts.
 */
import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Engine } from '../src/tts/engine.ts'
import { createEspeak, isNativeEspeakAvailable } from '../src/tts/engines/espeak/espeak-variants.ts'
import type { EspeakVariant } from '../src/tts/engines/espeak/espeak-settings.ts'
import { resolveVoice } from '../src/tts/engines/espeak/espeak-voices.ts'
import { benchSherpaSpeed } from './sherpa-speed.ts'
import { fmt, quantile } from './stats.ts'
import { TWENTY_WORDS, TWO_HUNDRED_WORDS } from './texts.ts'

const RUNS = 10

/** Synthesises `text` fully; returns wall ms and audio seconds. */
export async function timeEngine(engine: Engine, text: string) {
  const voice = resolveVoice('en-us-f1')!
  const t = performance.now()
  let samples = 0
  let rate = 1
  for await (const chunk of engine.synthesize(text, voice, { speed: 1 })) {
    samples += chunk.samples.length
    rate = chunk.sampleRate
  }
  return { ms: performance.now() - t, audioSeconds: samples / rate }
}

export async function engineRtf(engine: Engine, text: string): Promise<{ p50ms: number; rtf: number }> {
  await timeEngine(engine, text)
  const runs = []
  for (let i = 0; i < RUNS; i++) runs.push(await timeEngine(engine, text))
  const p50ms = quantile(runs.map((r) => r.ms), 0.5)
  return { p50ms, rtf: p50ms / 1000 / runs[0]!.audioSeconds }
}

function cliRtf(text: string): { p50ms: number; rtf: number } | undefined {
  if (!Bun.which('espeak-ng')) return undefined
  const out = join(mkdtempSync(join(tmpdir(), 'espeak-cli-')), 'out.wav')
  const times = []
  for (let i = 0; i <= RUNS; i++) {
    const t = performance.now()
    Bun.spawnSync(['espeak-ng', '-v', 'en-us+f3', '-w', out, text])
    if (i > 0) times.push(performance.now() - t)
  }
  const audioSeconds = (statSync(out).size - 44) / 2 / 22050
  const p50ms = quantile(times, 0.5)
  return { p50ms, rtf: p50ms / 1000 / audioSeconds }
}

export async function benchEngineSpeed(): Promise<string[]> {
  const lines = [`Engine speed, real-time factor (p50 of ${RUNS} runs; lower is faster):`]
  const kinds: EspeakVariant[] = ['espeak-wasm', ...(isNativeEspeakAvailable() ? (['espeak-native'] as const) : [])]
  for (const kind of kinds) {
    const engine = createEspeak({ engine: kind, workers: 1, maxQueue: 8 })
    await engine.warmup()
    for (const [label, text] of [['20 words', TWENTY_WORDS], ['200 words', TWO_HUNDRED_WORDS]] as const) {
      const r = await engineRtf(engine, text)
      lines.push(`  ${kind.padEnd(14)} ${label.padEnd(9)} ${fmt(r.p50ms, 1).padStart(7)} ms  RTF ${fmt(r.rtf, 4)}`)
    }
    await engine.close()
  }
  for (const [label, text] of [['20 words', TWENTY_WORDS], ['200 words', TWO_HUNDRED_WORDS]] as const) {
    const r = cliRtf(text)
    lines.push(
      r
        ? `  ${'espeak-ng CLI'.padEnd(14)} ${label.padEnd(9)} ${fmt(r.p50ms, 1).padStart(7)} ms  RTF ${fmt(r.rtf, 4)}  (includes process start)`
        : '  espeak-ng CLI not installed (apt-get install espeak-ng)',
    )
  }
  return [...lines, '', ...(await benchSherpaSpeed())]
}
