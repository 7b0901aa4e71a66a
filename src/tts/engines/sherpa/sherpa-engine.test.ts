/**
 * The sherpa engine on generated models, through real sherpa-onnx in real worker processes:
 * sentence-by-sentence streaming, speed, speakers, encoding in the worker, abort, and worker
 * faults (a killed process, a stopped one) that fail one request and leave the engine serving.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decode, probe } from '../../../../test/support/audio-decoders.ts'
import { parseOpenAIFormat, type AudioFormatSpec } from '../../../audio/formats.ts'
import { writeTestModels } from '../../../../test/support/sherpa-models/index.ts'
import { waitUntil } from '../../../../test/support/wait.ts'
import { EngineUnavailableError, type Engine, type PcmChunk, type SynthesisOptions, type Voice } from '../../engine.ts'
import { planSherpaModel, type SherpaPlan } from './model-plan.ts'
import { createSherpaEngine } from './sherpa-engine.ts'
import { sherpaEngineSchema } from './sherpa-settings.ts'

let models: Awaited<ReturnType<typeof writeTestModels>>
const engines: Engine[] = []

beforeAll(async () => {
  models = await writeTestModels()
})
afterAll(() => Promise.all(engines.map((e) => e.close())))

async function started(entry: object, options: { jobTimeoutMs?: number } = {}): Promise<{ engine: Engine; plan: SherpaPlan }> {
  const plan = planSherpaModel({ ...sherpaEngineSchema.parse({ kind: 'sherpa', ...entry }), name: 'neural' })
  const engine = createSherpaEngine(plan, { name: 'neural', workers: 1, maxQueue: 4, ...options })
  engines.push(engine)
  await engine.warmup()
  return { engine, plan }
}

async function collect(engine: Engine, text: string, voice: Voice, options: SynthesisOptions = {}, signal?: AbortSignal): Promise<PcmChunk[]> {
  const chunks: PcmChunk[] = []
  for await (const chunk of engine.synthesize(text, voice, options, signal)) chunks.push(chunk)
  return chunks
}

const samplesOf = (chunks: PcmChunk[]) => chunks.reduce((n, c) => n + c.samples.length, 0)
const format = (name: string): AudioFormatSpec => {
  const found = parseOpenAIFormat(name)
  if (!found.ok) throw new Error(name)
  return found.spec
}

/** The worker processes this test process started (the engines' pools). */
function workerPids(): number[] {
  const out = Bun.spawnSync(['ps', '-o', 'pid=,args=', '--ppid', String(process.pid)]).stdout.toString()
  return out
    .split('\n')
    .filter((line) => line.includes('sherpa.worker.ts'))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
}

describe('a Piper voice', () => {
  let engine: Engine
  let plan: SherpaPlan
  beforeAll(async () => {
    ;({ engine, plan } = await started({ model: models.piper.model }))
  })

  test('speaks sentence by sentence: one chunk per sentence, each starting at its sentence boundary, words after it', async () => {
    const text = 'Hello there. How are you today? I am fine, thank you.'
    const chunks = await collect(engine, text, plan.voices[0]!)
    expect(chunks.map((c) => c.sampleRate)).toEqual([22050, 22050, 22050])
    let offset = 0
    for (const [i, chunk] of chunks.entries()) {
      const [sentence, ...words] = chunk.boundaries!
      expect(sentence).toMatchObject({ kind: 'sentence', sampleOffset: offset, textOffset: [0, 13, 32][i] })
      expect(words.map((w) => text.slice(w.textOffset, w.textOffset + w.textLength))).toEqual(
        [['Hello', 'there'], ['How', 'are', 'you', 'today'], ['I', 'am', 'fine', 'thank', 'you']][i]!,
      )
      const starts = words.map((w) => w.sampleOffset)
      expect(starts).toEqual(starts.toSorted((a, b) => a - b))
      expect(starts.every((s) => s >= offset && s < offset + chunk.samples.length)).toBe(true)
      offset += chunk.samples.length
    }
    // Durations follow the phonemes: a longer sentence lasts longer.
    expect(chunks[2]!.samples.length).toBeGreaterThan(chunks[0]!.samples.length)
  })

  test('speed shortens and lengthens the audio in proportion', async () => {
    const text = 'The quick brown fox jumps over the lazy dog near the river bank.'
    const [slow, normal, fast] = (await Promise.all([0.5, 1, 2].map(async (speed) => samplesOf(await collect(engine, text, plan.voices[0]!, { speed }))))) as [number, number, number]
    expect(fast / normal).toBeGreaterThan(0.45)
    expect(fast / normal).toBeLessThan(0.7) // durations are rounded up to whole frames
    expect(slow / normal).toBeGreaterThan(1.7)
    expect(slow / normal).toBeLessThan(2.1)
  })

  test('encodes in the worker: wav, mp3 and opus come back as files that decode to the spoken length', async () => {
    const text = 'Encoding happens in the worker.'
    const pcm = samplesOf(await collect(engine, text, plan.voices[0]!))
    for (const name of ['wav', 'mp3', 'opus']) {
      const chunks = await collect(engine, text, plan.voices[0]!, { format: format(name) })
      const whole = chunks.at(-1)!.whole!
      expect(whole.byteLength).toBeGreaterThan(500)
      const probed = await probe(whole, name === 'opus' ? 'ogg' : name)
      expect(probed.sampleRate).toBe(format(name).sampleRate)
      const decoded = await decode(whole, name === 'opus' ? 'ogg' : name)
      const seconds = decoded.length / probed.sampleRate
      expect(Math.abs(seconds - pcm / 22050)).toBeLessThan(0.1)
    }
  })

  test('an abort stops the job, and the next request is served', async () => {
    const controller = new AbortController()
    const text = Array.from({ length: 30 }, (_, i) => `This is sentence number ${i + 1}.`).join(' ')
    const chunks: PcmChunk[] = []
    const error = await (async () => {
      for await (const chunk of engine.synthesize(text, plan.voices[0]!, {}, controller.signal)) {
        chunks.push(chunk)
        controller.abort(new Error('barge-in'))
      }
    })().catch((e: unknown) => e)
    expect(error).toHaveProperty('message', 'barge-in')
    expect(chunks).toHaveLength(1)
    expect(samplesOf(await collect(engine, 'Still here.', plan.voices[0]!))).toBeGreaterThan(1000)
  })
})

test("a Piper voice's own pace (its json's length_scale) holds at speed 1 and combines with speed", async () => {
  const dir = join(models.dir, 'slow-voice')
  mkdirSync(dir, { recursive: true })
  copyFileSync(models.piper.model, join(dir, 'voice.onnx'))
  const json = JSON.parse(readFileSync(models.piper.config!, 'utf8'))
  writeFileSync(join(dir, 'voice.onnx.json'), JSON.stringify({ ...json, inference: { ...json.inference, length_scale: 2 } }))
  const plain = await started({ model: models.piper.model })
  const slow = await started({ model: join(dir, 'voice.onnx') })
  const text = 'A voice that speaks slowly by nature.'
  const base = samplesOf(await collect(plain.engine, text, plain.plan.voices[0]!))
  expect(samplesOf(await collect(slow.engine, text, slow.plan.voices[0]!)) / base).toBeCloseTo(2, 0)
  expect(samplesOf(await collect(slow.engine, text, slow.plan.voices[0]!, { speed: 2 })) / base).toBeCloseTo(1, 0)
})

test("a multi-speaker Piper voice speaks each speaker with the model's own speaker embedding", async () => {
  const { engine, plan } = await started({ model: models.piperSpeakers.model })
  const [alice, bob] = plan.voices
  const a = (await collect(engine, 'Good morning.', alice!))[0]!.samples
  const b = (await collect(engine, 'Good morning.', bob!))[0]!.samples
  expect(a.length).not.toBe(0)
  expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(false)
})

test.each([
  ['kokoro', () => models.kokoro, 24000],
  ['kitten', () => models.kitten, 24000],
  ['matcha', () => ({ acoustic_model: models.matcha.acousticModel, vocoder: models.matcha.vocoder, tokens: models.matcha.tokens }), 22050],
  ['vits (sherpa-onnx packaging)', () => ({ model: models.vits.model, tokens: models.vits.tokens }), 22050],
] as const)('a %s model loads and speaks at its own rate', async (_family, entry, rate) => {
  const { engine, plan } = await started(entry())
  const chunks = await collect(engine, 'One sentence. And another one.', plan.voices.at(-1)!)
  expect(chunks).toHaveLength(2)
  expect(chunks[0]!.sampleRate).toBe(rate)
  expect(samplesOf(chunks) / rate).toBeGreaterThan(0.3)
})

describe('worker faults', () => {
  test('a worker process that dies mid-request fails that request with EngineUnavailableError and is replaced', async () => {
    const before = new Set(workerPids())
    const { engine, plan } = await started({ model: models.piper.model })
    const [pid] = workerPids().filter((p) => !before.has(p))
    const text = Array.from({ length: 40 }, (_, i) => `Sentence ${i + 1} keeps the worker busy.`).join(' ')
    const error = await (async () => {
      for await (const _ of engine.synthesize(text, plan.voices[0]!, {})) process.kill(pid!, 'SIGKILL')
    })().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EngineUnavailableError)
    expect(samplesOf(await collect(engine, 'A fresh worker answers.', plan.voices[0]!))).toBeGreaterThan(1000)
  })

  test('a worker that stops making progress is killed after the job timeout and replaced', async () => {
    const before = new Set(workerPids())
    const { engine, plan } = await started({ model: models.piper.model, job_timeout_ms: 1000 }, { jobTimeoutMs: 1000 })
    const [pid] = workerPids().filter((p) => !before.has(p))
    process.kill(pid!, 'SIGSTOP')
    const error = await collect(engine, 'Nobody answers.', plan.voices[0]!).catch((e: unknown) => e)
    expect((error as Error).message).toContain('no progress for 1000 ms')
    await waitUntil(() => !workerPids().includes(pid!), 5000, 'the stopped worker to be killed')
    expect(samplesOf(await collect(engine, 'A fresh worker answers.', plan.voices[0]!))).toBeGreaterThan(1000)
  })
})
