/**
 * The `sherpa` kind's speed on a generated Piper voice of medium size (Piper "medium":
 * about 15 M parameters, hop 256 at 22050 Hz; random weights, so the compute is a real
 * medium voice's while the audio is noise), beside espeak on the same texts: real-time
 * factor, and first-audio latency (request to first chunk, sentence by sentence), with
 * onnxruntime on one thread and on every core.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Engine, Voice } from '../src/tts/engine.ts'
import { createEspeak, isNativeEspeakAvailable } from '../src/tts/engines/espeak/espeak-variants.ts'
import { resolveVoice } from '../src/tts/engines/espeak/espeak-voices.ts'
import { planSherpaModel } from '../src/tts/engines/sherpa/model-plan.ts'
import { createSherpaEngine } from '../src/tts/engines/sherpa/sherpa-engine.ts'
import { sherpaEngineSchema } from '../src/tts/engines/sherpa/sherpa-settings.ts'
import { MEDIUM_VITS, writePiperVoice } from '../test/support/sherpa-models/index.ts'
import { fmt, quantile } from './stats.ts'
import { FOUR_SENTENCES, TWENTY_WORDS } from './texts.ts'

const RUNS = 3

/** Wall ms to the first chunk and to the end, and the audio's length. */
async function timeOnce(engine: Engine, voice: Voice, text: string) {
  const t = performance.now()
  let first = 0
  let samples = 0
  let rate = 1
  for await (const chunk of engine.synthesize(text, voice, { speed: 1 })) {
    if (!first) first = performance.now() - t
    samples += chunk.samples.length
    rate = chunk.sampleRate
  }
  return { ms: performance.now() - t, firstMs: first, audioSeconds: samples / rate }
}

async function measure(engine: Engine, voice: Voice, text: string) {
  await timeOnce(engine, voice, text)
  const runs = []
  for (let i = 0; i < RUNS; i++) runs.push(await timeOnce(engine, voice, text))
  const ms = quantile(runs.map((r) => r.ms), 0.5)
  return { rtf: ms / 1000 / runs[0]!.audioSeconds, firstMs: quantile(runs.map((r) => r.firstMs), 0.5) }
}

async function lines(label: string, engine: Engine, voice: Voice): Promise<string[]> {
  await engine.warmup()
  const out: string[] = []
  for (const [name, text] of [['1 sentence', TWENTY_WORDS], ['4 sentences', FOUR_SENTENCES]] as const) {
    const r = await measure(engine, voice, text)
    out.push(`  ${label.padEnd(30)} ${name.padEnd(11)} RTF ${fmt(r.rtf, 4).padStart(7)}  first audio ${fmt(r.firstMs, 1).padStart(7)} ms`)
  }
  await engine.close()
  return out
}

export async function benchSherpaSpeed(): Promise<string[]> {
  const cores = navigator.hardwareConcurrency
  const out = [`Neural voice (kind sherpa, generated Piper medium) beside espeak, one worker (p50 of ${RUNS} runs):`]
  const dir = mkdtempSync(join(tmpdir(), 'bench-sherpa-'))
  const voice = await writePiperVoice(dir, { size: MEDIUM_VITS, name: 'en_US-bench-medium' })
  out.push(`  model: ${(voice.parameters / 1e6).toFixed(1)} M parameters`)
  const espeakKind = isNativeEspeakAvailable() ? 'espeak-native' : 'espeak-wasm'
  out.push(...(await lines(espeakKind, createEspeak({ engine: espeakKind, workers: 1, maxQueue: 8 }), resolveVoice('en-us-f1')!)))
  for (const threads of [...new Set([1, cores])]) {
    const entry = { kind: 'sherpa', model: voice.model, num_threads: threads, work_dir: join(dir, 'prepared') }
    const plan = planSherpaModel({ ...sherpaEngineSchema.parse(entry), name: 'bench' })
    const engine = createSherpaEngine(plan, { name: 'bench', workers: 1, maxQueue: 8 })
    out.push(...(await lines(`sherpa piper-medium ${threads} thread${threads > 1 ? 's' : ''}`, engine, plan.voices[0]!)))
  }
  rmSync(dir, { recursive: true, force: true }) // about 120 MB: the model and its prepared copy
  return out
}
