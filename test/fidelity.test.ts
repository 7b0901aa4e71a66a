/**
 * Request fidelity through the official SDKs pointed at a real gateway, with a recording
 * upstream standing for the vendors (ElevenLabs HTTP, OpenAI-compatible): every parameter
 * arrives as sent, what no engine honours is named in X-TTS-Ignored, the cache key follows
 * what changes the audio, and stitching ids reach only the engine that made them.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js'
import OpenAI from 'openai'
import { envelope, similarity } from './support/audio-checks.ts'
import { startGateway } from './support/gateway.ts'
import { startRecordingUpstream, type RecordingUpstream } from './support/recording-upstream.ts'
import type { RunningService } from './support/service.ts'

let upstream: RecordingUpstream
let gateway: RunningService
let eleven: ElevenLabsClient
let openai: OpenAI
/** Two of the gateway's own pronunciation dictionaries, for the locators the SDK sends. */
let dictionaries: { id: string; versionId: string }[] = []

beforeAll(async () => {
  upstream = startRecordingUpstream()
  gateway = await startGateway(
    {
      engines: {
        eleven: { kind: 'elevenlabs', url: upstream.url, api_key_env: 'EL_KEY', stream_input: false },
        kokoro: { kind: 'openai', url: `${upstream.url}/v1`, pass_through: ['lang_code', 'normalization_options', 'volume_multiplier'] },
        // The WASM build: its sentences are exactly as long from call to call (the native library's vary a little).
        local: { kind: 'espeak', variant: 'espeak-wasm' },
      },
      default: 'local',
    },
    { EL_KEY: 'xi-secret-key-for-the-upstream', TTS_LOG_TEXT: 'true' },
  )
  eleven = new ElevenLabsClient({ baseUrl: gateway.url, apiKey: 'unused', maxRetries: 0 })
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 })
  dictionaries = await Promise.all(
    [[{ type: 'alias' as const, stringToReplace: 'parameter', alias: 'setting' }], []].map(async (rules, i) => {
      const made = await eleven.pronunciationDictionaries.createFromRules({ name: `fidelity-${i}`, rules })
      return { id: made.id, versionId: made.versionId }
    }),
  )
}, 60_000)

afterAll(async () => {
  await gateway?.stop()
  upstream?.stop()
})

const unique = () => crypto.randomUUID().slice(0, 8)
const ttsCalls = () => upstream.matching(/^\/v1\/text-to-speech\//)

/** Every ElevenLabs body parameter docs/api.md lists, in the SDK's names. */
const everything = (text: string) => ({
  text,
  modelId: 'eleven_flash_v2_5',
  languageCode: 'de',
  voiceSettings: { stability: 0.31, similarityBoost: 0.72, style: 0.15, useSpeakerBoost: false, speed: 1.1 },
  pronunciationDictionaryLocators: [{ pronunciationDictionaryId: dictionaries[0]!.id, versionId: dictionaries[0]!.versionId }, { pronunciationDictionaryId: dictionaries[1]!.id }],
  seed: 4_294_967_295,
  previousText: 'Before this.',
  nextText: 'After this.',
  nextRequestIds: ['next-gen-1'],
  applyTextNormalization: 'on' as const,
  applyLanguageTextNormalization: true,
  outputFormat: 'pcm_16000' as const,
  optimizeStreamingLatency: 2,
})

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of stream as unknown as AsyncIterable<Uint8Array>) parts.push(part)
  return new Uint8Array(Buffer.concat(parts))
}

describe('an ElevenLabs upstream', () => {
  test('receives every parameter exactly as the SDK sent it, and nothing is reported ignored', async () => {
    // Letters only: with apply_text_normalization=on a digit would be said as a word before it leaves.
    const tag = unique().replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)]!)
    const text = `Every parameter arrives ${tag}.`
    const { data, rawResponse } = await eleven.textToSpeech.convert('eleven:af_bella', everything(text)).withRawResponse()
    expect((await bytesOf(data)).byteLength).toBeGreaterThan(0)
    // The gateway's dictionaries were applied here; their ids mean nothing to ElevenLabs and are not sent on.
    const sent = `Every setting arrives ${tag}.`
    const call = ttsCalls().find((r) => r.body?.text === sent)!
    expect(call.path).toBe('/v1/text-to-speech/af_bella/stream')
    expect(call.query).toMatchObject({ output_format: 'pcm_16000', optimize_streaming_latency: '2' })
    expect(call.headers['xi-api-key']).toBe('xi-secret-key-for-the-upstream')
    expect(call.body).toEqual({
      text: sent,
      model_id: 'eleven_flash_v2_5',
      language_code: 'de',
      voice_settings: { stability: 0.31, similarity_boost: 0.72, style: 0.15, use_speaker_boost: false, speed: 1.1 },
      seed: 4_294_967_295,
      previous_text: 'Before this.',
      next_text: 'After this.',
      next_request_ids: ['next-gen-1'],
      apply_text_normalization: 'on',
      apply_language_text_normalization: true,
    })
    expect(rawResponse.headers.get('x-tts-ignored')).toBeNull()
    expect(rawResponse.headers.get('request-id')).toBe(call.requestId!)
  })

  test('two requests differing only in stability are two upstream calls; the same one again is a hit with the same request-id', async () => {
    const text = `Stability changes the voice ${unique()}.`
    const ask = (stability: number) =>
      fetch(`${gateway.url}/v1/text-to-speech/eleven:af_sky?output_format=pcm_24000`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text, voice_settings: { stability } }),
      })
    const first = await ask(0.2)
    await first.arrayBuffer()
    const second = await ask(0.8)
    await second.arrayBuffer()
    const again = await ask(0.2)
    await again.arrayBuffer()
    const calls = ttsCalls().filter((r) => r.body?.text === text)
    expect(calls.map((c) => (c.body!.voice_settings as { stability: number }).stability)).toEqual([0.2, 0.8])
    expect([first, second, again].map((r) => r.headers.get('x-cache'))).toEqual(['MISS', 'MISS', 'HIT'])
    // The hit names the generation that made its audio, as the upstream named it.
    expect(again.headers.get('request-id')).toBe(calls[0]!.requestId!)
    expect(first.headers.get('request-id')).toBe(calls[0]!.requestId!)
  })

  test("stitching ids of audio another engine made are dropped before forwarding; the upstream's own pass", async () => {
    const upstreamMade = await fetch(`${gateway.url}/v1/text-to-speech/eleven:af_bella?output_format=pcm_16000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: `First part ${unique()}.` }),
    })
    await upstreamMade.arrayBuffer()
    const espeakMade = await fetch(`${gateway.url}/v1/text-to-speech/local:en-us-f1?output_format=pcm_16000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: `Second part ${unique()}.` }),
    })
    await espeakMade.arrayBuffer()
    const [theirs, ours] = [upstreamMade.headers.get('request-id')!, espeakMade.headers.get('request-id')!]
    expect(theirs).toMatch(/^gen-/)
    expect(espeakMade.headers.get('x-tts-engine')).toBe('local')
    const text = `Third part ${unique()}.`
    const res = await fetch(`${gateway.url}/v1/text-to-speech/eleven:af_bella?output_format=pcm_16000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text, previous_request_ids: [theirs, ours], next_request_ids: [ours] }),
    })
    expect(res.status).toBe(200)
    await res.arrayBuffer()
    const call = ttsCalls().find((r) => r.body?.text === text)!
    expect(call.body!.previous_request_ids).toEqual([theirs])
    expect(call.body).not.toHaveProperty('next_request_ids')
    // What was dropped never changed the audio, so it does not key it: without those ids, the same audio.
    const again = await fetch(`${gateway.url}/v1/text-to-speech/eleven:af_bella?output_format=pcm_16000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text, previous_request_ids: [theirs] }),
    })
    await again.arrayBuffer()
    expect(again.headers.get('x-cache')).toBe('HIT')
  })
})

describe('the embedded engine', () => {
  test('honours language_code (the voice in that language), takes seed as moot, and names what it ignores', async () => {
    const text = 'Guten Tag.'
    const ask = async (voice: string, extra: Record<string, unknown>) => {
      const res = await fetch(`${gateway.url}/v1/text-to-speech/${voice}?output_format=pcm_16000`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text, ...extra }),
      })
      expect(res.status).toBe(200)
      return { ignored: res.headers.get('x-tts-ignored'), pcm: new Uint8Array(await res.arrayBuffer()) }
    }
    const german = await ask('local:en-us-f1', { language_code: 'de', seed: 7, voice_settings: { stability: 0.5, style: 0.2 }, previous_text: 'Hallo.' })
    const native = await ask('local:de-f1', {})
    const english = await ask('local:en-us-f1', {})
    expect(german.ignored).toBe('stability,style,previous_text')
    // espeak-ng's noise generator keeps state between calls, so samples differ run to run; the length and the
    // loudness envelope of the words do not: the German voice speaks, not the English one.
    const [de, asDe, en] = [german.pcm, native.pcm, english.pcm].map((pcm) => envelope(pcm, 'pcm', 16000))
    expect(german.pcm.byteLength).toBe(native.pcm.byteLength)
    expect(similarity(de!, asDe!)).toBeGreaterThan(0.99)
    expect(similarity(de!, en!)).toBeLessThan(0.95)
    expect(native.ignored).toBeNull()
    const line = await gateway.waitForLog((l) => Array.isArray(l.ignored) && (l.ignored as string[]).includes('previous_text'))
    expect(line.ignored).toEqual(['stability', 'style', 'previous_text'])
  })

  test('two requests differing only in stability are one synthesis: the second is a hit', async () => {
    const text = `Stability means nothing to espeak ${unique()}.`
    const ask = (stability: number) =>
      fetch(`${gateway.url}/v1/text-to-speech/local:en-gb-m1?output_format=pcm_22050`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text, voice_settings: { stability } }),
      })
    const first = await ask(0.1)
    const a = await first.arrayBuffer()
    const second = await ask(0.9)
    const b = await second.arrayBuffer()
    expect([first.headers.get('x-cache'), second.headers.get('x-cache')]).toEqual(['MISS', 'HIT'])
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true)
    expect(second.headers.get('x-tts-ignored')).toBe('stability')
  })

  test('a language_code espeak has no voice for is a 400 in the ElevenLabs shape', async () => {
    const res = await fetch(`${gateway.url}/v1/text-to-speech/local:en-us-f1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Hello.', language_code: 'xx' }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ detail: { status: 'unsupported_language', message: expect.stringContaining("'xx'") } })
  })
})

describe('an OpenAI-compatible upstream', () => {
  test('receives instructions and the fields its pass_through lists; an undeclared field is ignored and named', async () => {
    const input = `Pass these through ${unique()}.`
    const { data, response } = await openai.audio.speech
      .create({
        model: 'tts-1',
        voice: 'kokoro:af_bella',
        input,
        response_format: 'pcm',
        instructions: 'Warm and slow.',
        // Kokoro-FastAPI's own fields, beside one the engine does not declare.
        ...({ lang_code: 'a', normalization_options: { normalize: false }, volume_multiplier: 0.8, secret_sauce: true } as object),
      })
      .withResponse()
    expect((await data.arrayBuffer()).byteLength).toBeGreaterThan(0)
    const call = upstream.matching(/^\/v1\/audio\/speech$/).find((r) => r.body?.input === input)!
    expect(call.body).toMatchObject({ voice: 'af_bella', instructions: 'Warm and slow.', lang_code: 'a', normalization_options: { normalize: false }, volume_multiplier: 0.8 })
    expect(call.body).not.toHaveProperty('secret_sauce')
    expect(response.headers.get('x-tts-ignored')).toBe('secret_sauce')
  })

  test('a voice mix passes when every part is in the catalogue, and names the unknown part otherwise', async () => {
    const input = `A blend of two ${unique()}.`
    const res = await openai.audio.speech.create({ model: 'tts-1', voice: 'kokoro:af_bella(2)+af_sky(1)', input, response_format: 'pcm' })
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0)
    expect(upstream.matching(/^\/v1\/audio\/speech$/).find((r) => r.body?.input === input)!.body!.voice).toBe('af_bella(2)+af_sky(1)')
    const bad = await fetch(`${gateway.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: 'kokoro:af_bella(2)+af_nobody(1)', input }),
    })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { message: string; param: string } }).error).toMatchObject({ param: 'voice', message: expect.stringContaining("'af_nobody'") })
    const eleven404 = await fetch(`${gateway.url}/v1/text-to-speech/kokoro:af_bella+af_nobody`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: input }),
    })
    expect(eleven404.status).toBe(404)
    expect(((await eleven404.json()) as { detail: { message: string } }).detail.message).toContain("'af_nobody'")
  })
})

test('the decoded espeak audio is real speech, not silence', async () => {
  const res = await fetch(`${gateway.url}/v1/text-to-speech/local:en-us-f1?output_format=pcm_16000`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'Check.', language_code: 'en' }),
  })
  const bytes = new Uint8Array(await res.arrayBuffer())
  const samples = new Int16Array(bytes.buffer, 0, bytes.byteLength >> 1)
  expect(samples.some((s) => Math.abs(s) > 1000)).toBe(true)
})
