/**
 * The ElevenLabs-compatible HTTP API driven by the official `@elevenlabs/elevenlabs-js` SDK.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js'
import { probeAudio } from './support/ffprobe.ts'
import { startService, type RunningService } from './support/service.ts'

const KEY = 'test-key-7f3a'
let svc: RunningService
let client: ElevenLabsClient

beforeAll(async () => {
  svc = await startService({ TTS_API_KEYS: `other-key,${KEY}` })
  client = new ElevenLabsClient({ baseUrl: svc.url, apiKey: KEY, maxRetries: 0 })
})
afterAll(async () => {
  expect(await svc.stop()).toBe(0)
}, 30_000)

/** The SDK error a call rejects with (and a test failure if it resolves). */
async function failure(call: Promise<unknown>): Promise<ElevenLabsError & { body: any }> {
  try {
    await call
  } catch (err) {
    expect(err).toBeInstanceOf(ElevenLabsError)
    return err as ElevenLabsError & { body: any }
  }
  throw new Error('expected the call to fail')
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<{ bytes: Uint8Array; chunks: number }> {
  const parts: Uint8Array[] = []
  for await (const part of stream as unknown as AsyncIterable<Uint8Array>) parts.push(part)
  return { bytes: new Uint8Array(Buffer.concat(parts)), chunks: parts.length }
}

describe('text-to-speech through the ElevenLabs SDK', () => {
  test('convert returns a playable mp3 at the requested rate', async () => {
    const { bytes } = await collect(
      await client.textToSpeech.convert('en-us-f1', {
        text: 'Hello from the edge. This is a test.',
        modelId: 'eleven_multilingual_v2',
        outputFormat: 'mp3_22050_32',
      }),
    )
    const audio = await probeAudio(bytes, 'mp3')
    expect(audio.codec).toBe('mp3')
    expect(audio.sampleRate).toBe(22050)
    expect(audio.decodedSeconds).toBeGreaterThan(1)
  })

  test('stream delivers pcm_16000 in several chunks', async () => {
    const { bytes, chunks } = await collect(
      await client.textToSpeech.stream('en-gb-m1', {
        text: 'First sentence here. Second sentence there. Third one too.',
        outputFormat: 'pcm_16000',
      }),
    )
    expect(chunks).toBeGreaterThan(1)
    const audio = await probeAudio(bytes, 'pcm', 16000)
    expect(audio.decodedSeconds).toBeGreaterThan(1.5)
  })

  test('ulaw_8000 is μ-law at 8 kHz', async () => {
    const { bytes } = await collect(
      await client.textToSpeech.convert('de-m1', { text: 'Guten Tag.', outputFormat: 'ulaw_8000' }),
    )
    const audio = await probeAudio(bytes, 'ulaw', 8000)
    expect(audio.decodedSeconds).toBeCloseTo(bytes.length / 8000, 2)
    expect(audio.decodedSeconds).toBeGreaterThan(0.4)
  })

  test('voice_settings.speed changes the duration', async () => {
    const text = 'Speed is a voice setting in this API.'
    const normal = await collect(await client.textToSpeech.convert('en-us-m1', { text, outputFormat: 'pcm_16000' }))
    const slow = await collect(
      await client.textToSpeech.convert('en-us-m1', { text, outputFormat: 'pcm_16000', voiceSettings: { speed: 0.5 } }),
    )
    expect(slow.bytes.length / normal.bytes.length).toBeGreaterThan(1.5)
  })

  test('an unknown voice is a 404 with detail.status', async () => {
    const err = await failure(client.textToSpeech.convert('no-such-voice', { text: 'x' }))
    expect(err.statusCode).toBe(404)
    expect(err.body).toEqual({ detail: { status: 'voice_not_found', message: expect.any(String) } })
  })

  test('a wrong API key is a 401 in the ElevenLabs shape', async () => {
    const wrong = new ElevenLabsClient({ baseUrl: svc.url, apiKey: 'nope', maxRetries: 0 })
    const err = await failure(wrong.textToSpeech.convert('en-us-f1', { text: 'x' }))
    expect(err.statusCode).toBe(401)
    expect(err.body).toEqual({ detail: { status: 'invalid_api_key', message: expect.any(String) } })
  })
})

test('with API keys configured, the OpenAI route wants a Bearer key and answers 401 in its own shape', async () => {
  const body = JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'Key check.' })
  const call = (headers: Record<string, string>) =>
    fetch(`${svc.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
  const missing = await call({})
  expect(missing.status).toBe(401)
  expect(await missing.json()).toMatchObject({ error: { code: 'invalid_api_key', type: 'invalid_request_error' } })
  expect((await call({ authorization: 'Bearer wrong' })).status).toBe(401)
  const ok = await call({ authorization: `Bearer ${KEY}` })
  expect(ok.status).toBe(200)
  await ok.arrayBuffer()
})

describe('timestamps through the ElevenLabs SDK', () => {
  const text = 'Timing matters. Every word has its moment.'

  test('convertWithTimestamps returns audio and rising character times covering the text', async () => {
    const res = await client.textToSpeech.convertWithTimestamps('en-us-f1', { text, outputFormat: 'pcm_22050' })
    const pcm = Buffer.from(res.audioBase64, 'base64')
    const seconds = pcm.length / 2 / 22050
    const { characters, characterStartTimesSeconds: starts, characterEndTimesSeconds: ends } = res.alignment!
    expect(characters.join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''))
    expect(starts).toEqual([...starts].sort((a, b) => a - b))
    expect(ends.every((end, i) => end >= starts[i]!)).toBe(true)
    expect(ends.at(-1)!).toBeLessThanOrEqual(seconds + 0.01)
    // Measured, not spread evenly: the second sentence starts after the first one's pause.
    const second = characters.join('').indexOf('Every')
    expect(starts[second]!).toBeGreaterThan(seconds * 0.3)
  })

  test('streamWithTimestamps sends newline-delimited chunks with absolute times', async () => {
    const chunks = []
    for await (const chunk of await client.textToSpeech.streamWithTimestamps('en-us-m1', { text, outputFormat: 'pcm_16000' })) chunks.push(chunk)
    expect(chunks.length).toBeGreaterThanOrEqual(2)
    const starts = chunks.flatMap((c) => c.alignment?.characterStartTimesSeconds ?? [])
    expect(starts).toEqual([...starts].sort((a, b) => a - b))
    expect(chunks.flatMap((c) => c.alignment?.characters ?? []).join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''))
  })
})

describe('catalogue through the ElevenLabs SDK', () => {
  test('voices list carries language and gender labels', async () => {
    const { voices } = await client.voices.getAll()
    expect(voices.length).toBeGreaterThan(40)
    const voice = voices.find((v) => v.voiceId === 'en-us-f1')
    expect(voice?.labels).toMatchObject({ gender: 'female', language: 'en-US' })
  })

  test('models list comes back as the array ElevenLabs returns', async () => {
    const models = await client.models.list()
    expect(models.map((m) => m.modelId)).toContain('eleven_multilingual_v2')
  })
})
