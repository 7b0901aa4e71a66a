/**
 * The whole service with neural voices (kind `sherpa`) from generated models in the real
 * Piper and Kokoro formats: both official SDKs, both WebSocket protocols, barge-in, the
 * voice catalogue, model lifecycle metrics, and fallback to espeak when the neural worker
 * stalls. The models' weights are random (the audio is noise); what is asserted is what a
 * client notices: formats, lengths, speed, timing, streaming and routing.
 */
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import OpenAI from 'openai'
import { bargeIn } from './support/barge-in.ts'
import { probeAudio } from './support/ffprobe.ts'
import { longestSilence } from './support/silence.ts'
import { metricValue } from './support/metrics.ts'
import { startService, type RunningService } from './support/service.ts'
import { writeTestModels } from './support/sherpa-models/index.ts'
import { waitUntil } from './support/wait.ts'
import { isJson, WsClient } from './support/ws-client.ts'

let svc: RunningService
let openai: OpenAI
let eleven: ElevenLabsClient

beforeAll(async () => {
  const models = await writeTestModels()
  const enginesFile = join(models.dir, 'engines.yaml')
  writeFileSync(
    enginesFile,
    `engines:
  piper: { kind: sherpa, model: ${models.piper.model}, job_timeout_ms: 2000 }
  kokoro: { kind: sherpa, model: ${models.kokoro.model}, voices: ${models.kokoro.voices}, tokens: ${models.kokoro.tokens} }
  local: { kind: espeak }
default: piper
fallback: [local]
`,
  )
  svc = await startService({ TTS_ENGINES_FILE: enginesFile })
  openai = new OpenAI({ baseURL: `${svc.url}/v1`, apiKey: 'unused', maxRetries: 0 })
  eleven = new ElevenLabsClient({ baseUrl: svc.url, apiKey: 'unused', maxRetries: 0 })
}, 120_000)
afterAll(() => svc?.stop(), 30_000)

const TEXT = 'The storm rolled in at dusk. Lights flickered across the harbour. By midnight the rain had stopped.'

/** The service's sherpa worker processes (children running sherpa.worker.ts). */
function sherpaWorkers(): number[] {
  const out = Bun.spawnSync(['ps', '-o', 'pid=,args=', '--ppid', String(svc.proc.pid)]).stdout.toString()
  return out
    .split('\n')
    .filter((line) => line.includes('sherpa.worker.ts'))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
}

describe('the catalogue', () => {
  test("lists each model's voices with language and gender, beside espeak's", async () => {
    const { voices } = (await (await fetch(`${svc.url}/v1/audio/voices`)).json()) as { voices: { id: string; language: string; gender: string }[] }
    expect(voices).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'piper:test', language: 'en-US', gender: 'female' }),
        expect.objectContaining({ id: 'kokoro:af_test', language: 'en-US', gender: 'female' }),
        expect.objectContaining({ id: 'kokoro:bm_test', language: 'en-GB', gender: 'male' }),
        expect.objectContaining({ id: 'local:en-us-f1' }),
      ]),
    )
    const listed = await eleven.voices.getAll()
    const george = listed.voices.find((v) => v.voiceId === 'kokoro:bm_test')
    expect(george?.labels).toMatchObject({ gender: 'male' })
    expect(george?.description).toBe('sherpa-onnx Kokoro model speaker 1')
  })
})

describe('the OpenAI SDK', () => {
  test('speaks a Piper voice as wav, the speed halving its length, answered by the sherpa engine', async () => {
    const lengths: number[] = []
    for (const speed of [1, 2]) {
      const raw = await openai.audio.speech.create({ model: 'tts-1', voice: 'piper:test', input: TEXT, response_format: 'wav', speed }).asResponse()
      expect(raw.status).toBe(200)
      expect(raw.headers.get('x-tts-engine')).toBe('piper')
      const probed = await probeAudio(new Uint8Array(await raw.arrayBuffer()), 'wav')
      expect(probed.sampleRate).toBe(24000)
      lengths.push(probed.decodedSeconds)
    }
    expect(lengths[0]).toBeGreaterThan(3)
    expect(lengths[1]! / lengths[0]!).toBeGreaterThan(0.45)
    expect(lengths[1]! / lengths[0]!).toBeLessThan(0.7)
  })

  test('streams mp3 of an unprefixed voice from the default engine as it is made', async () => {
    const response = await openai.audio.speech.create({ model: 'tts-1', voice: 'test' as 'alloy', input: TEXT, response_format: 'mp3' })
    let pieces = 0
    let bytes = 0
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      pieces++
      bytes += chunk.byteLength
    }
    expect(pieces).toBeGreaterThan(1)
    expect(bytes).toBeGreaterThan(5000)
  })
})

describe('the ElevenLabs SDK', () => {
  test('speaks a Kokoro voice as pcm with timestamps covering every character', async () => {
    const result = await eleven.textToSpeech.convertWithTimestamps('kokoro:af_test', { text: TEXT, outputFormat: 'pcm_24000' })
    const pcm = Buffer.from(result.audioBase64, 'base64')
    expect(pcm.length / 2 / 24000).toBeGreaterThan(1)
    const alignment = result.alignment!
    expect(alignment.characters.join('')).toBe(TEXT)
    const starts = alignment.characterStartTimesSeconds
    expect(starts).toEqual(starts.toSorted((a, b) => a - b))
    expect(alignment.characterEndTimesSeconds.at(-1)!).toBeLessThanOrEqual(pcm.length / 2 / 24000 + 0.05)
  })
})

test('voice parameters a neural voice cannot honour are accepted and named in X-TTS-Ignored', async () => {
  const res = await fetch(`${svc.url}/v1/text-to-speech/kokoro:af_test?output_format=pcm_16000`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'Settings are said to be ignored.', voice_settings: { stability: 0.3 }, seed: 5, language_code: 'de' }),
  })
  expect(res.status).toBe(200)
  expect(res.headers.get('x-tts-engine')).toBe('kokoro')
  expect(res.headers.get('x-tts-ignored')?.split(',').map((p) => p.trim()).sort()).toEqual(['language_code', 'seed', 'stability'])
  expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(16000)
})

describe('streaming', () => {
  test('/v1/stream: a Piper voice streams frames per sentence, and cancel stops them', async () => {
    const client = new WsClient(`${svc.url.replace(/^http/, 'ws')}/v1/stream`)
    await client.opened
    client.send({ type: 'start', voice: 'piper:test', format: 'pcm' })
    const { lastSeq, before, after } = await bargeIn(client)
    expect(before.length).toBe(lastSeq + 1)
    expect(before.length).toBeLessThan(30)
    expect(after.length).toBeGreaterThan(0)
  })

  test('stream-input: text in pieces to a Kokoro voice, audio with alignment, then isFinal', async () => {
    const client = new WsClient(`${svc.url.replace(/^http/, 'ws')}/v1/text-to-speech/kokoro:bm_test/stream-input?output_format=pcm_16000`)
    await client.opened
    client.send({ text: ' ' })
    for (const word of TEXT.split(' ')) client.send({ text: `${word} `, try_trigger_generation: true })
    client.send({ text: '' })
    await client.next(isJson((j) => j.isFinal === true), 0, 30_000)
    expect((await client.closed).code).toBe(1000)
    const audio = client.json().filter((j) => j.audio)
    expect(audio.flatMap((a) => a.alignment.chars).join('').replace(/\s+/g, '')).toBe(TEXT.replace(/\s+/g, ''))
  })
})

describe('markup on a neural voice', () => {
  const speak = async (voice: string, text: string, extra: Record<string, unknown> = {}) => {
    const res = await fetch(`${svc.url}/v1/text-to-speech/${voice}?output_format=pcm_24000`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, ...extra }) })
    expect(res.status).toBe(200)
    return { pcm: new Int16Array(await res.arrayBuffer()), ignored: res.headers.get('x-tts-ignored') }
  }

  test('a <break> is one second of silence on Piper and Kokoro voices, to within 20 ms', async () => {
    for (const voice of ['piper:test', 'kokoro:af_test']) {
      const { pcm } = await speak(voice, 'Hello there. <break time="1s"/> Welcome back.')
      expect(Math.abs(longestSilence(pcm, 24000).seconds - 1)).toBeLessThanOrEqual(0.02)
    }
  })

  test('markdown, numbers and a dictionary alias: the Kokoro voice says exactly what the text became', async () => {
    const made = await fetch(`${svc.url}/v1/pronunciation-dictionaries/add-from-rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'neural', rules: [{ type: 'alias', string_to_replace: 'tomato', alias: 'tomahto' }] }),
    })
    const { id } = (await made.json()) as { id: string }
    const ruled = await speak('kokoro:af_test', '**Two** tomato soups cost $3.50.', { pronunciation_dictionary_locators: [{ pronunciation_dictionary_id: id }] })
    expect(ruled.pcm).toEqual((await speak('kokoro:af_test', 'Two tomahto soups cost three dollars and fifty cents.')).pcm)
  })

  test('a phoneme it cannot read: the written word, and phoneme named as ignored', async () => {
    const tagged = await speak('kokoro:af_test', 'I say <phoneme alphabet="ipa" ph="təˈmɑːtəʊ">tomato</phoneme>.')
    expect(tagged.ignored).toBe('phoneme')
    expect(tagged.pcm).toEqual((await speak('kokoro:af_test', 'I say tomato.')).pcm)
  })
})

describe('operations', () => {
  test('model loads are reported per engine name, and the models are resident', async () => {
    expect(await metricValue(svc.url, 'tts_models_resident_count{model_id="piper"}')).toBe(1)
    expect(await metricValue(svc.url, 'tts_models_resident_count{model_id="kokoro"}')).toBe(1)
  })

  test('a stalled neural worker: the request falls back to espeak, the worker is replaced, Piper serves again', async () => {
    const before = sherpaWorkers()
    // Stop every sherpa worker, so the one that takes the job makes no progress.
    for (const pid of before) process.kill(pid, 'SIGSTOP')
    const res = await fetch(`${svc.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: 'piper:test', input: 'Falling back to espeak.', response_format: 'pcm' }),
    })
    // The one that timed out has been killed and replaced; the others go on.
    await waitUntil(() => before.some((pid) => !sherpaWorkers().includes(pid)), 10_000, 'the stalled worker to be killed')
    for (const pid of sherpaWorkers()) process.kill(pid, 'SIGCONT')
    expect(res.status).toBe(200)
    expect(res.headers.get('x-tts-engine')).toBe('local')
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(10_000)
    await waitUntil(() => sherpaWorkers().length === before.length, 10_000, 'a replacement worker')
    expect(await metricValue(svc.url, 'tts_fallback_total{from="piper",to="local"}')).toBeGreaterThanOrEqual(1)
    const again = await openai.audio.speech.create({ model: 'tts-1', voice: 'piper:test', input: 'Back on the neural voice.', response_format: 'pcm' }).asResponse()
    expect(again.headers.get('x-tts-engine')).toBe('piper')
  }, 60_000)
})

test('each utterance of a neural voice is measured for loudness in its worker, under its engine', async () => {
  const res = await fetch(`${svc.url}/v1/text-to-speech/piper:test?output_format=pcm_16000`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: `${TEXT} Measured once more.` }),
  })
  expect(res.status).toBe(200)
  await res.arrayBuffer()
  const lufs = await metricValue(svc.url, 'tts_audio_loudness_lufs{engine="piper"}')
  // The test model's random weights make noise: loud, but a real BS.1770 reading.
  expect(lufs).toBeLessThan(0)
  expect(lufs).toBeGreaterThan(-70)
})
