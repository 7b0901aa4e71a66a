/**
 * Behaviour every embedded engine must show, run against each espeak build by
 * src/tts/engines/espeak/espeak-wasm.test.ts and espeak-native.test.ts: what a listener
 * would notice, not how the engine works.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { parseOpenAIFormat } from '../../src/audio/formats.ts'
import { EngineBusyError, type Engine, type PcmChunk } from '../../src/tts/engine.ts'
import { CHUNK_SAMPLES } from '../../src/tts/engines/espeak/espeak-job.ts'
import { resolveVoice, UnknownVoiceError } from '../../src/tts/engines/espeak/espeak-voices.ts'
import { splitSentences } from '../../src/tts/text.ts'
import type { PoolEngineOptions } from '../../src/tts/worker-pool.ts'

export const FOX = 'The quick brown fox jumps over the lazy dog while seven happy children watch from the old wooden bridge.'
const voice = resolveVoice('en-us-f1')!

export async function collect(it: AsyncIterable<PcmChunk>): Promise<PcmChunk[]> {
  const chunks: PcmChunk[] = []
  for await (const chunk of it) chunks.push(chunk)
  return chunks
}

/** The rejection of `promise` (not `expect().rejects`, which starves Worker messages in Bun 1.4.5). */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  )
}

export function seconds(chunks: PcmChunk[]): number {
  return chunks.reduce((s, c) => s + c.samples.length / c.sampleRate, 0)
}

function rms(chunks: PcmChunk[]): number {
  let sum = 0
  let n = 0
  for (const c of chunks) for (const x of c.samples) (sum += x * x), n++
  return Math.sqrt(sum / Math.max(1, n))
}

/** Registers the shared engine tests; `skip` gives the reason when the engine cannot run here. */
export function describeEngine(name: string, make: (o: PoolEngineOptions) => Engine, skip?: string): void {
  describe.skipIf(skip !== undefined)(`${name} engine${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let engine: Engine
    const speak = (text: string, speed = 1, signal?: AbortSignal) => collect(engine.synthesize(text, voice, { speed }, signal))

    beforeAll(async () => {
      engine = make({ workers: 1, maxQueue: 1, jobTimeoutMs: 20_000 })
      await engine.warmup()
    })
    afterAll(() => engine?.close())

    test('speaks: audible 22.05 kHz PCM of plausible duration', async () => {
      const chunks = await speak(FOX)
      expect(chunks.every((c) => c.sampleRate === 22050)).toBe(true)
      expect(seconds(chunks)).toBeGreaterThan(3) // 20 words at ~175 wpm, plus pauses
      expect(seconds(chunks)).toBeLessThan(10)
      expect(rms(chunks)).toBeGreaterThan(500)
      expect(engine.stats()).toMatchObject({ workers: 1, busy: 0, queued: 0, ready: true })
    })

    test('streams within a sentence: a small first chunk at once, then chunks of at least CHUNK_SAMPLES', async () => {
      const chunks = (await speak(FOX)).filter((c) => c.samples.length > 0)
      expect(chunks.length).toBeGreaterThan(2) // one sentence of over 3 s: not one chunk at its end
      expect(chunks[0]!.samples.length).toBeLessThan(CHUNK_SAMPLES)
      for (const chunk of chunks.slice(1, -1)) expect(chunk.samples.length).toBeGreaterThanOrEqual(CHUNK_SAMPLES)
    })

    test('more words make longer audio', async () => {
      const short = seconds(await speak('Hello there.'))
      const long = seconds(await speak(FOX))
      expect(long).toBeGreaterThan(short * 2.5)
    })

    test('speed scales duration across the whole 0.25-4 range', async () => {
      const normal = seconds(await speak(FOX))
      const ratio = async (speed: number) => seconds(await speak(FOX, speed)) / normal
      expect(await ratio(2)).toBeWithin(0.35, 0.65)
      expect(await ratio(0.5)).toBeWithin(1.6, 2.6)
      expect(await ratio(4)).toBeWithin(0.15, 0.35)
      expect(await ratio(0.25)).toBeWithin(3.2, 5)
    })

    test('sentences arrive in order with sentence and word boundaries matching the audio', async () => {
      const text = 'First sentence here. Then “a second” one! And finally, a question?'
      const chunks = await speak(text)
      const boundaries = chunks.flatMap((c) => c.boundaries ?? [])
      const sentences = boundaries.filter((b) => b.kind === 'sentence')
      expect(sentences.map((b) => text.slice(b.textOffset, b.textOffset + b.textLength))).toEqual(
        splitSentences(text).map((s) => s.text),
      )
      const words = boundaries.filter((b) => b.kind === 'word').map((b) => text.slice(b.textOffset, b.textOffset + b.textLength))
      expect(words).toEqual(['First', 'sentence', 'here', 'Then', 'a', 'second', 'one', 'And', 'finally', 'a', 'question'])
      let start = 0
      for (const chunk of chunks) {
        const end = start + chunk.samples.length
        for (const b of chunk.boundaries ?? []) {
          expect(b.sampleOffset).toBeGreaterThanOrEqual(start)
          if (chunk.samples.length > 0) expect(b.sampleOffset).toBeLessThan(end)
        }
        start = end
      }
      const offsets = boundaries.map((b) => b.sampleOffset)
      expect(offsets).toEqual(offsets.toSorted((a, b) => a - b))
      expect(sentences[1]!.sampleOffset).toBeGreaterThan(22050 * 0.8)
    })

    test('abort stops synthesis and the engine serves the next request', async () => {
      const controller = new AbortController()
      const long = Array.from({ length: 40 }, (_, i) => `This is sentence number ${i + 1}.`).join(' ')
      const received: PcmChunk[] = []
      const error = await failure(
        (async () => {
          for await (const chunk of engine.synthesize(long, voice, {}, controller.signal)) {
            received.push(chunk)
            controller.abort(new Error('client went away'))
          }
        })(),
      )
      expect(error).toHaveProperty('message', 'client went away')
      expect(received).toHaveLength(1)
      expect(seconds(await speak('Still here.'))).toBeGreaterThan(0.5)
    })

    test('a full queue throws EngineBusyError', async () => {
      const controller = new AbortController()
      const long = Array.from({ length: 120 }, (_, i) => `Sentence number ${i + 1} keeps the worker busy.`).join(' ')
      const running = engine.synthesize(long, voice, {}, controller.signal)[Symbol.asyncIterator]()
      await running.next() // the only worker is now busy with it
      const queued = speak('Queued behind it.')
      const refused = await failure(speak('One too many.'))
      expect(refused).toBeInstanceOf(EngineBusyError)
      controller.abort()
      expect(seconds(await queued)).toBeGreaterThan(0.5)
    })

    test('an unknown voice fails with UnknownVoiceError and the engine keeps working', async () => {
      const bogus = { ...voice, id: 'xx-m1', engineVoice: 'xx-nonexistent+m3' }
      const error = await failure(collect(engine.synthesize('Hello.', bogus, {})))
      expect(error).toBeInstanceOf(UnknownVoiceError)
      expect(seconds(await speak('Hello again.'))).toBeGreaterThan(0.5)
    })

    test('with a format, the worker encodes: bytes stream per sentence and the last chunk holds the whole file', async () => {
      const format = parseOpenAIFormat('wav')
      if (!format.ok) throw new Error(format.message)
      const plain = await speak(FOX)
      const chunks = await collect(engine.synthesize(FOX, voice, { format: format.spec }))
      expect(chunks.every((c) => c.samples.length === 0 && c.encoded instanceof Uint8Array)).toBe(true)
      const streamed = Buffer.concat(chunks.map((c) => c.encoded!))
      const whole = chunks.at(-1)!.whole!
      expect(whole.byteLength).toBe(streamed.byteLength)
      // The finished file states its data size; the streamed header could not know it.
      const dataBytes = new DataView(whole.buffer, whole.byteOffset).getUint32(40, true)
      expect(dataBytes).toBe(whole.byteLength - 44)
      const sampleCount = chunks.reduce((n, c) => n + (c.sampleCount ?? 0), 0)
      // Same speech either way (espeak's output length varies by a few samples between runs).
      expect(sampleCount / plain.reduce((n, c) => n + c.samples.length, 0)).toBeWithin(0.999, 1.001)
      expect(dataBytes / 2 / 24000).toBeCloseTo(sampleCount / 22050, 2)
    })

    test('empty text yields no audio', async () => {
      expect(await speak('   ')).toEqual([])
    })
  })
}
