/**
 * The OpenAI-compatible API driven by the official `openai` SDK against the real service.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { probeAudio } from './support/ffprobe.ts'
import { startService, type RunningService } from './support/service.ts'

let svc: RunningService
let client: OpenAI

beforeAll(async () => {
  svc = await startService()
  client = new OpenAI({ baseURL: `${svc.url}/v1`, apiKey: 'unused', maxRetries: 0 })
})
afterAll(async () => {
  expect(await svc.stop()).toBe(0)
}, 30_000)

const TEXT = 'The quick brown fox jumps over the lazy dog. It was not amused. Then it ran away.'

describe('POST /v1/audio/speech through the openai SDK', () => {
  test('returns an mp3 that a decoder plays for a plausible duration', async () => {
    const res = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: TEXT })
    expect(res.headers.get('content-type')).toBe('audio/mpeg')
    const audio = await probeAudio(new Uint8Array(await res.arrayBuffer()), 'mp3')
    expect(audio.codec).toBe('mp3')
    expect(audio.decodedSeconds).toBeGreaterThan(2)
    expect(audio.decodedSeconds).toBeLessThan(15)
  })

  test('speed 2 speaks the same text in roughly half the time', async () => {
    const normal = await client.audio.speech.create({ model: 'tts-1', voice: 'nova', input: TEXT, response_format: 'wav' })
    const fast = await client.audio.speech.create({ model: 'tts-1', voice: 'nova', input: TEXT, response_format: 'wav', speed: 2 })
    const a = await probeAudio(new Uint8Array(await normal.arrayBuffer()), 'wav')
    const b = await probeAudio(new Uint8Array(await fast.arrayBuffer()), 'wav')
    expect(b.decodedSeconds / a.decodedSeconds).toBeGreaterThan(0.35)
    expect(b.decodedSeconds / a.decodedSeconds).toBeLessThan(0.7)
  })

  test.each([
    ['wav', 'audio/wav', 'pcm_s16le', 24000],
    ['flac', 'audio/flac', 'flac', 24000],
  ] as const)('response_format %s decodes as %s', async (format, contentType, codec, rate) => {
    const res = await client.audio.speech.create({ model: 'tts-1', voice: 'onyx', input: 'Testing formats.', response_format: format })
    expect(res.headers.get('content-type')).toBe(contentType)
    const audio = await probeAudio(new Uint8Array(await res.arrayBuffer()), format)
    expect(audio.codec).toBe(codec)
    expect(audio.sampleRate).toBe(rate)
    expect(audio.decodedSeconds).toBeGreaterThan(0.3)
  })

  test('pcm is raw 24 kHz s16le with no header', async () => {
    const res = await client.audio.speech.create({ model: 'tts-1', voice: 'echo', input: 'Raw samples.', response_format: 'pcm' })
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect(new TextDecoder().decode(bytes.slice(0, 4))).not.toBe('RIFF')
    expect(bytes.length % 2).toBe(0)
    const audio = await probeAudio(bytes, 'pcm', 24000)
    expect(audio.decodedSeconds).toBeCloseTo(bytes.length / 2 / 24000, 2)
  })

  test('streams the body: audio arrives in several chunks before the whole text is done', async () => {
    const res = await client.audio.speech.create({
      model: 'tts-1',
      voice: 'shimmer',
      input: `${TEXT} One more sentence for the stream. And the last one.`,
      response_format: 'pcm',
    })
    const chunks: number[] = []
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk.byteLength)
    expect(chunks.length).toBeGreaterThan(1)
    expect(res.headers.get('x-cache')).toBe('MISS')
  })

  test('stream_format sse sends base64 audio deltas and a done event with usage', async () => {
    const res = await client.audio.speech.create({
      model: 'gpt-4o-mini-tts',
      voice: 'coral',
      input: 'Server sent events. Two sentences.',
      response_format: 'pcm',
      stream_format: 'sse',
    })
    expect(res.headers.get('content-type')).toStartWith('text/event-stream')
    const events = (await res.text())
      .split('\n\n')
      .filter(Boolean)
      .map((block) => JSON.parse(block.replace(/^data: /, '')))
    const deltas = events.filter((e) => e.type === 'speech.audio.delta')
    expect(deltas.length).toBeGreaterThan(0)
    const pcm = Buffer.concat(deltas.map((d) => Buffer.from(d.audio, 'base64')))
    expect(pcm.length).toBeGreaterThan(24000) // more than half a second at 24 kHz s16le
    expect(events.at(-1)).toMatchObject({ type: 'speech.audio.done', usage: { input_tokens: expect.any(Number) } })
  })

  test('a repeated request is served from the cache with the same audio', async () => {
    const input = `Cache me ${crypto.randomUUID().slice(0, 8)}.`
    const request = () => client.audio.speech.create({ model: 'tts-1', voice: 'fable', input, response_format: 'wav' })
    const first = await request()
    const streamed = new Uint8Array(await first.arrayBuffer())
    const second = await request()
    const cached = new Uint8Array(await second.arrayBuffer())
    expect(first.headers.get('x-cache')).toBe('MISS')
    expect(second.headers.get('x-cache')).toBe('HIT')
    // The streamed file announces unknown sizes (it was sent before they were known); the
    // cached one states them. The samples are identical.
    expect(cached.subarray(44)).toEqual(streamed.subarray(44))
    expect(new DataView(cached.buffer).getUint32(40, true)).toBe(cached.length - 44)
    const third = new Uint8Array(await (await request()).arrayBuffer())
    expect(third).toEqual(cached)
  })

  test('an unknown voice is a 400 the SDK reports with param and code', async () => {
    const err = await client.audio.speech.create({ model: 'tts-1', voice: 'nobody' as 'alloy', input: 'x' }).catch((e) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect(err.status).toBe(400)
    expect(err.error).toMatchObject({ param: 'voice', code: 'voice_not_found', type: 'invalid_request_error' })
  })

  test('an unknown model is a 404', async () => {
    const err = await client.audio.speech.create({ model: 'tts-9', voice: 'alloy', input: 'x' }).catch((e) => e)
    expect(err).toBeInstanceOf(OpenAI.NotFoundError)
    expect(err.error).toMatchObject({ param: 'model', code: 'model_not_found' })
  })
})

describe('catalogue routes', () => {
  test('GET /v1/models lists models in OpenAI shape', async () => {
    const ids = []
    for await (const model of client.models.list()) ids.push(model.id)
    expect(ids).toContain('tts-1')
    expect(ids).toContain('gpt-4o-mini-tts')
  })

  test('GET /v1/audio/voices lists voices with language and gender across languages', async () => {
    const { voices } = (await (await fetch(`${svc.url}/v1/audio/voices`)).json()) as {
      voices: { id: string; name: string; language: string; gender: string }[]
    }
    expect(voices.length).toBeGreaterThan(40)
    expect(new Set(voices.map((v) => v.gender))).toEqual(new Set(['male', 'female']))
    expect(new Set(voices.map((v) => v.language.split('-')[0])).size).toBeGreaterThan(20)
  })
})
