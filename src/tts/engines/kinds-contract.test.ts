/**
 * What every kind in the registry keeps, whatever it speaks through: each kind of kinds.ts
 * runs here (one without contract settings below fails), built by its own factory from an
 * engines-file entry, the upstream kinds against a real tts-edge served on 127.0.0.1.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { trace } from '@opentelemetry/api'
import { parseOpenAIFormat } from '../../audio/formats.ts'
import { buildApp } from '../../../test/support/in-process-app.ts'
import { writeTestModels } from '../../../test/support/sherpa-models/index.ts'
import { inProcessEncoders } from '../encoding/stream-encoder.ts'
import type { PcmChunk } from '../engine.ts'
import { parseEnginesFile } from './engines-file.ts'
import { createRoutedEngine, KINDS } from './kinds.ts'
import type { RoutedEngine } from './router/routed-engine.ts'

const upstream = await buildApp({ telemetry: false })
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: upstream.app.fetch })
afterAll(async () => {
  server.stop(true)
  await upstream.close()
})

// Neural voices need model files: generated ones, in the real Piper format.
const models = await writeTestModels()

/** An engines-file entry of each kind, as an operator would write it for this machine. */
const CONTRACT_SETTINGS: Record<string, Record<string, unknown>> = {
  espeak: { variant: 'espeak-wasm' },
  sherpa: { model: models.piper.model },
  openai: { url: `${server.url.origin}/v1` },
  elevenlabs: { url: server.url.origin, stream_input: false },
}

const TEXT = 'Hello there. This is one more sentence to speak.'
const seconds = (chunks: PcmChunk[]) => chunks.reduce((s, c) => s + (c.sampleCount ?? c.samples.length) / c.sampleRate, 0)

async function collect(it: AsyncIterable<PcmChunk>): Promise<PcmChunk[]> {
  const chunks: PcmChunk[] = []
  for await (const chunk of it) chunks.push(chunk)
  return chunks
}

for (const kind of KINDS) {
  describe(`kind ${kind.kind}`, () => {
    const settings = CONTRACT_SETTINGS[kind.kind]
    let engine: RoutedEngine | undefined
    const built = async (): Promise<RoutedEngine> => {
      if (engine) return engine
      const file = parseEnginesFile(JSON.stringify({ engines: { one: { kind: kind.kind, ...settings } } }), {})
      const deps = { tracer: trace.getTracer('test'), pool: { workers: 1, maxQueue: 4 }, espeakVariant: 'espeak-wasm', encoders: inProcessEncoders() }
      engine = createRoutedEngine(file.engines[0]!, deps)
      await engine.warmup()
      return engine
    }
    afterAll(() => engine?.close())

    test('has settings in this contract', () => {
      expect(settings, `add an entry for "${kind.kind}" to CONTRACT_SETTINGS`).toBeDefined()
    })

    test('warms up ready, and resolves each voice it lists by its own id', async () => {
      const e = await built()
      expect(e.name).toBe('one')
      expect(e.stats().ready).toBe(true)
      expect(e.voices().length).toBeGreaterThan(0)
      for (const voice of e.voices().slice(0, 5)) expect(e.resolve(voice.id)?.id).toBe(voice.id)
      expect(e.scope()).not.toBe('')
    })

    test('speaks PCM at one rate, longer text longer, with a sentence boundary at the start', async () => {
      const e = await built()
      const voice = e.voices()[0]!
      const short = await collect(e.synthesize('Hello.', voice, {}))
      const long = await collect(e.synthesize(TEXT, voice, {}))
      expect(new Set(long.map((c) => c.sampleRate)).size).toBe(1)
      expect(seconds(long)).toBeGreaterThan(seconds(short) * 1.5)
      expect(long.flatMap((c) => c.boundaries ?? [])[0]).toMatchObject({ textOffset: 0, sampleOffset: 0, kind: 'sentence' })
    })

    test('with a format, the bytes stream and the last chunk holds the whole file', async () => {
      const e = await built()
      const format = parseOpenAIFormat('wav')
      if (!format.ok) throw new Error(format.message)
      const chunks = await collect(e.synthesize(TEXT, e.voices()[0]!, { format: format.spec }))
      const streamed = Buffer.concat(chunks.map((c) => c.encoded ?? new Uint8Array()))
      const whole = chunks.at(-1)!.whole!
      expect(chunks.every((c) => c.samples.length === 0)).toBe(true)
      expect(new TextDecoder().decode(whole.subarray(0, 4))).toBe('RIFF')
      expect(whole.byteLength).toBe(streamed.byteLength)
      expect(whole.byteLength).toBeGreaterThan(24000)
    })

    test('an abort ends synthesis with the signal\'s reason, and the next request is served', async () => {
      const e = await built()
      const voice = e.voices()[0]!
      const controller = new AbortController()
      const reason = new Error('client went away')
      const failed = await (async () => {
        for await (const _ of e.synthesize(TEXT, voice, {}, controller.signal)) controller.abort(reason)
      })().then(
        () => undefined,
        (err: unknown) => err,
      )
      expect(failed).toBe(reason)
      expect(seconds(await collect(e.synthesize('Still here.', voice, {})))).toBeGreaterThan(0.3)
    })
  })
}
