/**
 * The internal form of speech, as each kind speaks it: a pause is exact silence wherever it
 * is made (espeak-ng's own synthesis, or our silence between an upstream's pieces), and word
 * boundaries land on the client's own characters. Upstream kinds speak through a real
 * tts-edge served on 127.0.0.1.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { trace } from '@opentelemetry/api'
import { concatSamples } from '../../audio/pcm.ts'
import { prepareSpeech } from '../../markup/prepare-speech.ts'
import { buildApp } from '../../../test/support/in-process-app.ts'
import { longestSilence } from '../../../test/support/silence.ts'
import { inProcessEncoders } from '../encoding/stream-encoder.ts'
import type { PcmChunk } from '../engine.ts'
import { parseEnginesFile } from './engines-file.ts'
import { createRoutedEngine } from './kinds.ts'
import type { RoutedEngine } from './router/routed-engine.ts'

const upstream = await buildApp({ telemetry: false })
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: upstream.app.fetch })
afterAll(async () => {
  server.stop(true)
  await upstream.close()
})

const KINDS: Record<string, Record<string, unknown>> = {
  espeak: { kind: 'espeak', variant: 'espeak-wasm' },
  openai: { kind: 'openai', url: `${server.url.origin}/v1` },
  // The upstream tts-edge reads the <break> it is sent inline, as ElevenLabs does.
  elevenlabs: { kind: 'elevenlabs', url: server.url.origin, stream_input: false },
}

for (const [kind, settings] of Object.entries(KINDS)) {
  describe(`kind ${kind} speaking markup`, () => {
    let engine: RoutedEngine | undefined
    const built = async (): Promise<RoutedEngine> => {
      if (engine) return engine
      const file = parseEnginesFile(JSON.stringify({ engines: { one: settings } }), {})
      engine = createRoutedEngine(file.engines[0]!, { tracer: trace.getTracer('test'), pool: { workers: 1, maxQueue: 4 }, espeakVariant: 'espeak-wasm', encoders: inProcessEncoders() })
      await engine.warmup()
      return engine
    }
    afterAll(() => engine?.close())

    const speak = async (text: string) => {
      const e = await built()
      const voice = e.voices().find((v) => v.language.startsWith('en'))!
      const speech = prepareSpeech(text, { markup: 'fragment', normalization: 'auto', language: 'en-US', engineNormalizes: e.speech(voice).normalizesText })
      const chunks: PcmChunk[] = []
      for await (const chunk of e.synthesize(text, voice, { speech })) chunks.push(chunk)
      return { samples: concatSamples(chunks.map((c) => c.samples), chunks.reduce((n, c) => n + c.samples.length, 0)), rate: chunks[0]!.sampleRate, chunks }
    }

    test('<break time="1s"/> is one second of silence, to within 20 ms', async () => {
      const { samples, rate } = await speak('Hello <break time="1s"/> world.')
      const pause = longestSilence(samples, rate)
      expect(Math.abs(pause.seconds - 1)).toBeLessThanOrEqual(0.02)
      expect(pause.startSeconds).toBeGreaterThan(0.1)
      expect(samples.length / rate - (pause.startSeconds + pause.seconds)).toBeGreaterThan(0.1)
    })

    test('boundaries index the client’s text', async () => {
      const text = 'One <break time="300ms"/> two.'
      const { chunks } = await speak(text)
      const spans = chunks.flatMap((c) => c.boundaries ?? []).map((b) => text.slice(b.textOffset, b.textOffset + b.textLength))
      expect(spans.some((s) => s.includes('One'))).toBe(true)
      expect(spans.some((s) => s.includes('two'))).toBe(true)
      expect(spans.every((s) => !s.startsWith('<') || s.includes('One') || s.includes('two'))).toBe(true)
    })
  })
}
