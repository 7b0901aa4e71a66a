/**
 * Loudness end to end: a gateway in front of two engines that speak at different levels (the
 * embedded espeak, and an OpenAI-compatible upstream that speaks quietly) reports each
 * utterance's integrated loudness per engine as ffmpeg's EBU R128 meter measures the same
 * audio, and with TTS_LOUDNESS_TARGET_LUFS both engines come out equally loud, batch and
 * streamed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ffmpegLoudness, speech } from './support/ebur128.ts'
import { startGateway } from './support/gateway.ts'
import { metricValue } from './support/metrics.ts'
import type { RunningService } from './support/service.ts'
import { WsClient } from './support/ws-client.ts'

const TARGET = -18
/** What the quiet upstream served last (24 kHz PCM), to measure it as it left the upstream. */
let lastServed: Int16Array = new Int16Array(0)
let upstream: ReturnType<typeof Bun.serve>
let measuring: RunningService
let normalising: RunningService

beforeAll(async () => {
  // An OpenAI-compatible server speaking through the espeak-ng program at a low amplitude.
  upstream = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      if (!new URL(req.url).pathname.endsWith('/audio/speech')) return new Response('not found', { status: 404 })
      const body = (await req.json()) as { input: string; response_format: string }
      if (body.response_format !== 'pcm') return Response.json({ error: { message: 'pcm only' } }, { status: 400 })
      lastServed = speech(body.input, 'en-gb', 24000, { amplitude: 25 })
      return new Response(new Uint8Array(lastServed.buffer, lastServed.byteOffset, lastServed.byteLength).slice(), { headers: { 'content-type': 'audio/pcm' } })
    },
  })
  const engines = {
    engines: { local: { kind: 'espeak' }, quiet: { kind: 'openai', url: `${upstream.url.href}v1`, formats: ['pcm'], retries: 0 } },
    default: 'local',
  }
  const env = { TTS_CACHE_MAX_BYTES: '0', TTS_MAX_CONCURRENCY: '1', TTS_ENCODE_WORKERS: '1' }
  ;[measuring, normalising] = await Promise.all([startGateway(engines, env), startGateway(engines, { ...env, TTS_LOUDNESS_TARGET_LUFS: String(TARGET) })])
}, 120_000)

afterAll(async () => {
  await Promise.all([measuring?.stop(), normalising?.stop()])
  upstream?.stop(true)
}, 30_000)

/** Batch speech as raw PCM of `rate` through the ElevenLabs route. */
async function speak(svc: RunningService, voice: string, text: string, rate: number): Promise<Int16Array> {
  const res = await fetch(`${svc.url}/v1/text-to-speech/${voice}?output_format=pcm_${rate}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  })
  expect(res.status).toBe(200)
  const bytes = new Uint8Array(await res.arrayBuffer())
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1)
}

const loudness = (svc: RunningService, engine: string) => metricValue(svc.url, `tts_audio_loudness_lufs{engine="${engine}"}`)
const normalisations = (svc: RunningService, engine: string) => metricValue(svc.url, `tts_audio_normalization_total{engine="${engine}"}`)

const TEXTS = [
  'The farmer watches the quick brown fox jump over the lazy dog from his porch.',
  'Every engine should sound equally loud, so nobody reaches for the volume.',
  'A third sentence, read a little later, at the same level as the others.',
]

describe('measured per engine, without a target', () => {
  test('espeak: the gauge reads what ffmpeg measures of the audio it sent, and nothing is normalised', async () => {
    const audio = await speak(measuring, 'local:en-us-f1', TEXTS[0]!, 22050)
    expect(Math.abs((await loudness(measuring, 'local')) - ffmpegLoudness(audio, 22050)!)).toBeLessThan(0.5)
    expect(await normalisations(measuring, 'local')).toBe(0)
  })

  test('an upstream\'s PCM is measured in the encode workers, as it left the upstream, and is far quieter', async () => {
    await speak(measuring, 'quiet:alloy', TEXTS[0]!, 16000)
    const upstreamLoudness = ffmpegLoudness(lastServed, 24000)!
    expect(Math.abs((await loudness(measuring, 'quiet')) - upstreamLoudness)).toBeLessThan(0.5)
    expect((await loudness(measuring, 'local')) - (await loudness(measuring, 'quiet'))).toBeGreaterThan(6)
  })
})

describe(`normalised to ${TARGET} LUFS`, () => {
  test('both engines come out at the target, by ffmpeg, from their second utterance on', async () => {
    for (const [voice, rate] of [['local:en-us-f1', 22050], ['quiet:alloy', 16000]] as const) {
      await speak(normalising, voice, TEXTS[0]!, rate) // the engine's first utterance: its level is learnt
      for (const text of TEXTS.slice(1)) {
        const out = ffmpegLoudness(await speak(normalising, voice, text, rate), rate)!
        expect(Math.abs(out - TARGET), `${voice}: ${text}`).toBeLessThan(1.5)
      }
    }
    expect(await normalisations(normalising, 'local')).toBeGreaterThanOrEqual(3)
    expect(await normalisations(normalising, 'quiet')).toBeGreaterThanOrEqual(3)
    // What is reported stays the engine's own level, before the gain.
    expect(await loudness(normalising, 'quiet')).toBeLessThan(TARGET - 6)
  })

  test('a streamed answer, sentence by sentence, comes out at the target too', async () => {
    const client = new WsClient(`${normalising.url.replace(/^http/, 'ws')}/v1/stream`)
    await client.opened
    client.send({ type: 'start', voice: 'en-us-m1', format: 'pcm', sample_rate: 22050 })
    client.send({ type: 'text', text: `${TEXTS.join(' ')} ` })
    client.send({ type: 'close' })
    await client.closed
    // Each binary frame: a 4-byte sequence number, then the audio.
    const frames = client.binary().map((frame) => frame.slice(4))
    const pcm = new Int16Array(frames.reduce((n, f) => n + (f.byteLength >> 1), 0))
    let at = 0
    for (const f of frames) (pcm.set(new Int16Array(f.buffer, 0, f.byteLength >> 1), at), (at += f.byteLength >> 1))
    expect(pcm.length).toBeGreaterThan(22050 * 3)
    expect(Math.abs(ffmpegLoudness(pcm, 22050)! - TARGET)).toBeLessThan(1.5)
  })
})
