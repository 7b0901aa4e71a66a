/**
 * Encode speed of every output format, in x real time (seconds of audio encoded per second
 * of encoding), for the 200-word text on one engine worker: the worker times its own
 * encoder calls (resampling included) and reports them with the finished file, so synthesis
 * is not counted. Printed beside mp3, the default of both APIs.
 */
import { parseElevenLabsFormat, parseOpenAIFormat, type AudioFormatSpec, type FormatLookup } from '../src/audio/formats.ts'
import { createEspeak } from '../src/tts/engines/espeak/espeak-variants.ts'
import { resolveVoice } from '../src/tts/engines/espeak/espeak-voices.ts'
import { fmt, quantile, verdict } from './stats.ts'
import { TWO_HUNDRED_WORDS } from './texts.ts'

const RUNS = 5
/** The bar for a codec on the request path: well ahead of real time on one thread. */
const MIN_X_REAL_TIME = 20

const FORMATS: [string, FormatLookup][] = [
  ['mp3 (OpenAI, 24 kHz 64 kbps)', parseOpenAIFormat('mp3')],
  ['mp3_44100_128', parseElevenLabsFormat('mp3_44100_128')],
  ['opus (OpenAI, 32 kbps)', parseOpenAIFormat('opus')],
  ['opus_48000_64', parseElevenLabsFormat('opus_48000_64')],
  ['opus_48000_192', parseElevenLabsFormat('opus_48000_192')],
  ['aac (OpenAI, 24 kHz 64 kbps)', parseOpenAIFormat('aac')],
  ['flac', parseOpenAIFormat('flac')],
  ['wav', parseOpenAIFormat('wav')],
  ['pcm_16000', parseElevenLabsFormat('pcm_16000')],
  ['ulaw_8000', parseElevenLabsFormat('ulaw_8000')],
]

function spec(lookup: FormatLookup): AudioFormatSpec {
  if (!lookup.ok) throw new Error(lookup.message)
  return lookup.spec
}

export async function benchFormats(): Promise<string[]> {
  const engine = createEspeak({ engine: 'espeak-wasm', workers: 1, maxQueue: 8 })
  await engine.warmup()
  const voice = resolveVoice('en-us-f1')!
  const encode = async (format: AudioFormatSpec) => {
    let samples = 0
    let rate = 1
    let encodeMs = 0
    for await (const chunk of engine.synthesize(TWO_HUNDRED_WORDS, voice, { speed: 1, format })) {
      samples += chunk.sampleCount ?? chunk.samples.length
      rate = chunk.sampleRate
      encodeMs = chunk.encodeMs ?? encodeMs
    }
    return { audioSeconds: samples / rate, encodeMs }
  }
  const rows: { label: string; x: number; ms: number; audioSeconds: number }[] = []
  for (const [label, lookup] of FORMATS) {
    const format = spec(lookup)
    await encode(format) // the first job of a format in this worker
    const runs = []
    for (let i = 0; i < RUNS; i++) runs.push(await encode(format))
    const ms = quantile(runs.map((r) => r.encodeMs), 0.5)
    rows.push({ label, ms, audioSeconds: runs[0]!.audioSeconds, x: runs[0]!.audioSeconds / (ms / 1000) })
  }
  await engine.close()
  const mp3 = rows[0]!.x
  const lines = [`Encode speed per format, 200 words (${fmt(rows[0]!.audioSeconds, 1)} s of audio) on one engine worker, p50 of ${RUNS} runs:`]
  for (const r of rows) lines.push(`  ${r.label.padEnd(30)} ${fmt(r.ms, 1).padStart(7)} ms  ${fmt(r.x, 0).padStart(6)}x real time  ${fmt(r.x / mp3, 2).padStart(6)}x mp3's speed`)
  for (const codec of ['opus', 'aac']) {
    const slowest = Math.min(...rows.filter((r) => r.label.startsWith(codec)).map((r) => r.x))
    lines.push(verdict(`${codec === 'aac' ? 'AAC' : 'Opus'} encodes at >= ${MIN_X_REAL_TIME}x real time on one thread`, slowest >= MIN_X_REAL_TIME, `slowest ${fmt(slowest, 0)}x`))
  }
  return lines
}
