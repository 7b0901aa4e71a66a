/**
 * tts-edge in front of a second real tts-edge (an OpenAI- and ElevenLabs-compatible
 * upstream), driven through the official SDKs at the gateway: voices merged, audio streamed
 * through byte for byte, transcoding where the upstream cannot produce the format, the
 * cache in front of the upstream, and one trace across both processes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js'
import OpenAI from 'openai'
import { probeAudio } from './support/ffprobe.ts'
import type { FaultProxy } from './support/fault-proxy.ts'
import { startGatewayStack, type GatewayStack } from './support/gateway.ts'
import { metricValue } from './support/metrics.ts'
import { OtlpReceiver } from './support/otlp-receiver.ts'
import type { RunningService } from './support/service.ts'

const UPSTREAM_KEY = 'sk-upstream-secret-0123456789'
let receiver: OtlpReceiver
let stack: GatewayStack
let upstream: RunningService
let proxy: FaultProxy
let gateway: RunningService
let openai: OpenAI
let eleven: ElevenLabsClient

beforeAll(async () => {
  receiver = new OtlpReceiver()
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }
  stack = await startGatewayStack(
    (proxyUrl, upstreamUrl) => ({
      engines: {
        up: { kind: 'openai', url: `${proxyUrl}/v1`, api_key_env: 'UP_KEY' },
        el: { kind: 'elevenlabs', url: upstreamUrl, api_key_env: 'UP_KEY' },
        local: { kind: 'espeak' },
      },
      default: 'up',
      fallback: ['local'],
    }),
    {
      upstream: { ...otel, OTEL_SERVICE_NAME: 'upstream', TTS_API_KEYS: UPSTREAM_KEY },
      gateway: { ...otel, OTEL_SERVICE_NAME: 'gateway', UP_KEY: UPSTREAM_KEY },
    },
  )
  ;({ upstream, proxy, gateway } = stack)
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 })
  eleven = new ElevenLabsClient({ baseUrl: gateway.url, apiKey: 'unused', maxRetries: 0 })
}, 120_000)

afterAll(async () => {
  await stack?.stop()
  receiver?.stop()
}, 30_000)

const direct = (body: Record<string, unknown>) =>
  fetch(`${upstream.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${UPSTREAM_KEY}` },
    body: JSON.stringify(body),
  })

describe('voices', () => {
  test('GET /v1/audio/voices lists every engine, prefixed with its name', async () => {
    const { voices } = (await (await fetch(`${gateway.url}/v1/audio/voices`)).json()) as { voices: { id: string }[] }
    const ids = voices.map((v) => v.id)
    expect(ids).toContain('up:en-us-f1')
    expect(ids).toContain('el:en-us-f1')
    expect(ids).toContain('local:de-m1')
  })

  test('the ElevenLabs SDK sees the same merged catalogue', async () => {
    const { voices } = await eleven.voices.getAll()
    expect(voices.map((v) => v.voiceId)).toContain('up:en-us-m1')
    expect(voices.find((v) => v.voiceId === 'local:fr-fr-f1')?.labels?.gender).toBe('female')
  })

  test('each engine describes its own voices: espeak names its voice, an upstream what it said or the name', async () => {
    const { voices } = await eleven.voices.getAll()
    const described = (id: string) => voices.find((v) => v.voiceId === id)?.description
    expect(described('local:fr-fr-f1')).toBe('espeak-ng fr+f3')
    // The ElevenLabs upstream (a tts-edge) describes its voices; the OpenAI one's list has no descriptions.
    expect(described('el:de-m1')).toBe('espeak-ng de+m3')
    expect(described('up:en-us-m1')).toBe('English (America), male 1')
  })

  test('an unknown engine or voice is a 400 in the OpenAI shape and a 404 in the ElevenLabs shape', async () => {
    const res = await fetch(`${gateway.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: 'nope:alloy', input: 'Hello.' }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'voice_not_found', param: 'voice' } })
    const el = await fetch(`${gateway.url}/v1/text-to-speech/up:no-such-voice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Hello.' }),
    })
    expect(el.status).toBe(404)
    expect(await el.json()).toMatchObject({ detail: { status: 'voice_not_found' } })
  })
})

describe('speech through the gateway', () => {
  test('mp3 from an OpenAI-compatible upstream passes through byte for byte', async () => {
    const request = { model: 'tts-1', voice: 'alloy', input: 'Passed through unchanged, byte for byte.', response_format: 'mp3' }
    const res = await openai.audio.speech.create(request as OpenAI.Audio.Speech.SpeechCreateParams)
    expect(res.headers.get('x-tts-engine')).toBe('up')
    expect(res.headers.get('content-type')).toBe('audio/mpeg')
    const through = new Uint8Array(await res.arrayBuffer())
    const upstreamBytes = new Uint8Array(await (await direct(request)).arrayBuffer())
    expect(through.byteLength).toBeGreaterThan(1000)
    expect(Buffer.from(through).equals(Buffer.from(upstreamBytes))).toBe(true)
  })

  test('an upstream answer of known length goes out whole: a miss here, with its Content-Length, byte for byte', async () => {
    const request = { model: 'tts-1', voice: 'alloy', input: 'Already spoken upstream, so its length is known.', response_format: 'mp3' }
    await (await direct(request)).arrayBuffer()
    const upstreamHit = await direct(request)
    const upstreamBytes = new Uint8Array(await upstreamHit.arrayBuffer())
    expect(upstreamHit.headers.get('x-cache')).toBe('HIT')
    const res = await fetch(`${gateway.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) })
    expect(res.headers.get('x-cache')).toBe('MISS')
    expect(Number(res.headers.get('content-length'))).toBe(upstreamBytes.byteLength)
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(upstreamBytes))).toBe(true)
  })

  test('the body streams: several chunks reach the SDK', async () => {
    const res = await openai.audio.speech.create({
      model: 'tts-1',
      voice: 'up:en-gb-m1',
      input: 'First sentence of a stream. A second one follows it. And then a third, to be sure.',
      response_format: 'pcm',
    })
    const sizes: number[] = []
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) sizes.push(chunk.byteLength)
    expect(sizes.length).toBeGreaterThan(1)
    expect(res.headers.get('x-tts-engine')).toBe('up')
  })

  test('stream_format sse wraps the upstream audio in speech.audio.delta events', async () => {
    const res = await fetch(`${gateway.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini-tts', voice: 'nova', input: 'Events, please. Two of them.', response_format: 'pcm', stream_format: 'sse' }),
    })
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const events = (await res.text()).split('\n\n').filter(Boolean).map((e) => JSON.parse(e.replace(/^data: /, '')))
    expect(events.at(-1).type).toBe('speech.audio.done')
    const audio = events.filter((e) => e.type === 'speech.audio.delta').map((e) => Buffer.from(e.audio, 'base64'))
    expect(Buffer.concat(audio).byteLength).toBeGreaterThan(10_000)
  })

  test('a format the upstream is not asked for directly (ElevenLabs mp3_22050_32) is transcoded here', async () => {
    const stream = await eleven.textToSpeech.convert('up:en-us-f2', { text: 'Transcoded by the gateway.', outputFormat: 'mp3_22050_32' })
    const chunks: Uint8Array[] = []
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk)
    const audio = await probeAudio(new Uint8Array(Buffer.concat(chunks)), 'mp3')
    expect(audio.codec).toBe('mp3')
    expect(audio.sampleRate).toBe(22050)
    expect(audio.decodedSeconds).toBeGreaterThan(0.8)
  })

  test('an ElevenLabs upstream streams pcm_16000 through', async () => {
    const stream = await eleven.textToSpeech.stream('el:en-us-m2', { text: 'From the ElevenLabs side.', outputFormat: 'pcm_16000' })
    const chunks: Uint8Array[] = []
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk)
    const bytes = new Uint8Array(Buffer.concat(chunks))
    const audio = await probeAudio(bytes, 'pcm', 16000)
    expect(audio.decodedSeconds).toBeGreaterThan(0.8)
  })

  test("an ElevenLabs upstream's request-id comes back to the client, for request stitching", async () => {
    const res = await fetch(`${gateway.url}/v1/text-to-speech/el:en-us-f1?output_format=pcm_16000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Which request was this?' }),
    })
    await res.arrayBuffer()
    const id = res.headers.get('request-id')
    expect(id).toBeTruthy()
    expect(id).not.toBe(res.headers.get('x-request-id'))
    const line = await upstream.waitForLog((l) => l.request_id === id && l.msg === 'request completed')
    expect(line.route).toBe('/v1/text-to-speech/:voice_id/stream')
  })

  test("with-timestamps on an ElevenLabs upstream voice passes the upstream's own word timings through", async () => {
    const text = 'Timings measured upstream. They come back here.'
    const ask = async (base: string, voice: string) => {
      const res = await fetch(`${base}/v1/text-to-speech/${voice}/with-timestamps?output_format=pcm_24000`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'xi-api-key': UPSTREAM_KEY },
        body: JSON.stringify({ text }),
      })
      expect(res.status).toBe(200)
      if (base === gateway.url) expect(res.headers.get('x-tts-engine')).toBe(voice.split(':')[0]!)
      return (await res.json()) as { audio_base64: string; alignment: { characters: string[]; character_start_times_seconds: number[] } }
    }
    const [through, direct, openaiKind] = await Promise.all([ask(gateway.url, 'el:en-us-f1'), ask(upstream.url, 'en-us-f1'), ask(gateway.url, 'up:en-us-f1')])
    expect(through.alignment.characters.join('')).toBe(text)
    expect(openaiKind.alignment.characters.join('')).toBe(text)
    // Word starts as the upstream measured them, within 10 ms (its times count engine samples, ours the resampled
    // 24 kHz audio); an estimate spread over the sentence would be off by hundreds of ms.
    const wordStarts = (a: typeof through.alignment) => a.characters.flatMap((c, i) => (c !== ' ' && (i === 0 || a.characters[i - 1] === ' ') ? [a.character_start_times_seconds[i]!] : []))
    const ours = wordStarts(through.alignment)
    const theirs = wordStarts(direct.alignment)
    expect(ours).toHaveLength(theirs.length)
    ours.forEach((t, i) => expect(Math.abs(t - theirs[i]!)).toBeLessThan(0.01))
    // The same speech (the upstream's resampler may end a chunk a few samples differently from call to call).
    const [a, b] = [through, direct].map((r) => Buffer.from(r.audio_base64, 'base64').byteLength)
    expect(Math.abs(a! - b!) / b!).toBeLessThan(0.01)
  })

  test('a repeat is a cache hit that never reaches the upstream', async () => {
    const body = JSON.stringify({ model: 'tts-1', voice: 'echo', input: 'Cached in front of the upstream.', response_format: 'wav' })
    const ask = () => fetch(`${gateway.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const first = await ask()
    const firstBytes = await first.arrayBuffer()
    expect(first.headers.get('x-cache')).toBe('MISS')
    const before = proxy.accepted
    const second = await ask()
    expect(second.headers.get('x-cache')).toBe('HIT')
    expect(second.headers.get('x-tts-engine')).toBe('up')
    expect(Buffer.from(await second.arrayBuffer()).equals(Buffer.from(firstBytes))).toBe(true)
    expect(proxy.accepted).toBe(before)
  })

  test('upstream calls are counted per engine, and the key never shows in output', async () => {
    expect(await metricValue(gateway.url, 'tts_upstream_characters_total{engine="up"}')).toBeGreaterThan(0)
    expect(await metricValue(gateway.url, 'tts_upstream_first_byte_seconds_count{engine="up"}')).toBeGreaterThan(0)
    expect(await metricValue(gateway.url, 'tts_upstream_request_duration_seconds_count{engine="up",outcome="ok"}')).toBeGreaterThan(0)
    expect(gateway.output()).not.toContain(UPSTREAM_KEY)
  })
})

test('one trace across both processes: the gateway CLIENT span parents the upstream SERVER span', async () => {
  const traceId = crypto.getRandomValues(new Uint8Array(16)).toHex()
  const res = await fetch(`${gateway.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${'ab'.repeat(8)}-01` },
    body: JSON.stringify({ model: 'tts-1', voice: 'shimmer', input: 'One trace, two processes.', response_format: 'flac' }),
  })
  expect(res.status).toBe(200)
  await res.arrayBuffer()
  await receiver.waitFor((r) => r.spans.some((s) => s.traceId === traceId && s.resource['service.name'] === 'upstream' && s.kind === 2))
  await receiver.waitFor((r) => r.spans.some((s) => s.traceId === traceId && s.kind === 3))
  const spans = receiver.spans.filter((s) => s.traceId === traceId)
  const client = spans.find((s) => s.kind === 3 && s.resource['service.name'] === 'gateway')!
  expect(client.attributes).toMatchObject({
    'http.request.method': 'POST',
    'server.address': '127.0.0.1',
    'server.port': proxy.port,
    'url.full': `${proxy.url}/v1/audio/speech`,
    'http.response.status_code': 200,
    'tts.engine': 'up',
  })
  const server = spans.find((s) => s.kind === 2 && s.resource['service.name'] === 'upstream')!
  expect(server.name).toBe('POST /v1/audio/speech')
  expect(server.parentSpanId).toBe(client.spanId)
  await receiver.waitFor((r) => r.spans.some((s) => s.traceId === traceId && s.name === 'tts.synthesize' && s.resource['service.name'] === 'gateway'))
  const synthesis = receiver.spans.find((s) => s.traceId === traceId && s.name === 'tts.synthesize' && s.resource['service.name'] === 'gateway')!
  expect(synthesis.attributes['tts.engine']).toBe('up')
  expect(JSON.stringify(spans)).not.toContain(UPSTREAM_KEY)
}, 30_000)
