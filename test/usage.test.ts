/**
 * Usage accounting end to end (issue #18): a real service with a keys file, sharing a real
 * redis-server, takes a mixed run (batch, SSE, timestamps, stream-input, multi-stream-input,
 * /v1/stream; hits, misses, failures and hang-ups), and the counts read back exactly through
 * the official SDKs (ElevenLabs' user.subscription.get and usage.get, OpenAI's
 * admin.organization.usage.audioSpeeches), in the metrics, and with the key's id (never the
 * key) in logs, metrics and spans.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js'
import OpenAI from 'openai'
import { keyId } from '../src/keys/key-ring.ts'
import { keysFile, newKey } from './support/keys-file.ts'
import { metricValue } from './support/metrics.ts'
import { OtlpReceiver } from './support/otlp-receiver.ts'
import { startRedisServer, type RedisServer } from './support/redis-server.ts'
import { startService, type RunningService } from './support/service.ts'
import { waitUntil } from './support/wait.ts'
import { WsClient } from './support/ws-client.ts'

const KEY_A = newKey('team-a')
const LEGACY = newKey('legacy')
const ADMIN = newKey('admin')
const DAY_S = 86_400

let redis: RedisServer
let receiver: OtlpReceiver
let svc: RunningService
beforeAll(async () => {
  redis = await startRedisServer()
  receiver = new OtlpReceiver()
  const file = keysFile([{ id: 'team-a', name: 'Team A', key: KEY_A }])
  svc = await startService({
    TTS_KEYS_FILE: file.path,
    TTS_API_KEYS: LEGACY,
    TTS_ADMIN_KEY: ADMIN,
    TTS_REDIS_URL: redis.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_TRACES_SAMPLER: 'always_on',
    TTS_TRACE_KEEP_RATIO: '1',
  })
})
afterAll(async () => {
  await svc?.stop()
  receiver?.stop()
  await redis?.stop()
})

const ws = (path: string, headers: Record<string, string> = {}) => new WsClient(`${svc.url.replace(/^http/, 'ws')}${path}`, headers)
const isJson = (predicate: (j: any) => boolean) => (m: { kind: string; json?: any }) => m.kind === 'text' && predicate(m.json)

test('a mixed run is counted exactly, per key, engine and model, and reads back through both SDKs', async () => {
  const openai = new OpenAI({ apiKey: KEY_A, baseURL: `${svc.url}/v1`, maxRetries: 0 })
  const eleven = new ElevenLabsClient({ baseUrl: svc.url, apiKey: KEY_A, maxRetries: 0 })
  const expected = new Map<string, { requested: number; billed: number; requests: number }>()
  const count = (model: string, requested: number, billed: number) => {
    const m = expected.get(model) ?? { requested: 0, billed: 0, requests: 0 }
    expected.set(model, { requested: m.requested + requested, billed: m.billed + billed, requests: m.requests + 1 })
  }

  // OpenAI batch: a miss, then the same text from the cache (requested again, billed once).
  const A = 'The first batch request is spoken once and then served from the cache.'
  const miss = await openai.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: A }).asResponse()
  expect(miss.headers.get('character-cost')).toBe(String(A.length))
  await miss.arrayBuffer()
  count('tts-1', A.length, A.length)
  await waitUntil(async () => {
    const res = await openai.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: A }).asResponse()
    await res.arrayBuffer()
    const hit = res.headers.get('x-cache') === 'HIT'
    if (hit) expect(res.headers.get('character-cost')).toBe('0')
    // Until the cache write lands a repeat is served from the finished synthesis: it bills nothing either.
    count('tts-1', A.length, 0)
    return hit
  }, 15_000, 'a cache hit')

  // SSE.
  const B = 'Streamed as server-sent events, this one is billed in full.'
  const sse = await fetch(`${svc.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: B, stream_format: 'sse' }),
  })
  expect((await sse.text()).includes('speech.audio.done')).toBe(true)
  count('tts-1', B.length, B.length)

  // Failures before any audio record nothing.
  const status = (call: Promise<unknown>) => call.then(() => 200, (err: { status?: number }) => err.status)
  expect(await status(openai.audio.speech.create({ model: 'tts-1', voice: 'nobody-at-all', input: 'Not spoken.' }))).toBe(400)
  expect(await status(openai.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'x'.repeat(5000) }))).toBe(400)

  // A hang-up after the first audio: the engine was sent the whole text, so it is billed whole.
  const E = Array.from({ length: 8 }, (_, i) => `Sentence ${i + 1} of a long answer nobody waits to hear to the end.`).join(' ')
  const controller = new AbortController()
  const cut = await fetch(`${svc.url}/v1/audio/speech`, {
    method: 'POST',
    signal: controller.signal,
    headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: E, response_format: 'pcm' }),
  })
  await cut.body!.getReader().read()
  controller.abort()
  count('tts-1', E.length, E.length)

  // ElevenLabs: convert (a miss), stream (a hit of the same audio), with timestamps.
  const C = 'ElevenLabs clients are counted under their own model.'
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const _ of stream as unknown as AsyncIterable<Uint8Array>);
  }
  await collect(await eleven.textToSpeech.convert('en-us-f1', { text: C, outputFormat: 'mp3_44100_128' }))
  count('eleven_multilingual_v2', C.length, C.length)
  await waitUntil(async () => {
    const { rawResponse, data } = await eleven.textToSpeech.stream('en-us-f1', { text: C, outputFormat: 'mp3_44100_128' }).withRawResponse()
    await collect(data)
    count('eleven_multilingual_v2', C.length, 0)
    return rawResponse.headers.get('x-cache') === 'HIT'
  }, 15_000, 'an ElevenLabs cache hit')
  const D = 'With timestamps, every character has its time.'
  const timed = await eleven.textToSpeech.convertWithTimestamps('en-us-f1', { text: D })
  expect(timed.alignment?.characters.length).toBe(D.length)
  count('eleven_multilingual_v2', D.length, D.length)

  // stream-input: each flushed piece is an utterance.
  const S = ['Hello from stream input.', 'A second flushed piece.']
  const streamInput = ws('/v1/text-to-speech/en-us-f1/stream-input?model_id=eleven_flash_v2_5&output_format=pcm_16000')
  await streamInput.opened
  streamInput.send({ text: ' ', 'xi-api-key': KEY_A })
  for (const s of S) streamInput.send({ text: `${s} `, flush: true })
  streamInput.send({ text: '' })
  await streamInput.next(isJson((j) => j.isFinal === true))
  expect((await streamInput.closed).code).toBe(1000)
  for (const s of S) count('eleven_flash_v2_5', s.length, s.length)
  // The same first piece on a new socket is served from the cache: requested, billed nothing.
  const again = ws('/v1/text-to-speech/en-us-f1/stream-input?model_id=eleven_flash_v2_5&output_format=pcm_16000', { 'xi-api-key': KEY_A })
  await again.opened
  again.send({ text: ' ' })
  again.send({ text: `${S[0]} `, flush: true })
  again.send({ text: '' })
  await again.next(isJson((j) => j.isFinal === true))
  count('eleven_flash_v2_5', S[0]!.length, 0)

  // multi-stream-input: two contexts on one socket.
  const M = { a: 'Context a speaks first.', b: 'Context b answers.' }
  const multi = ws('/v1/text-to-speech/en-us-f1/multi-stream-input?model_id=eleven_turbo_v2_5&output_format=pcm_16000', { 'xi-api-key': KEY_A })
  await multi.opened
  for (const [id, text] of Object.entries(M)) multi.send({ text: `${text} `, context_id: id, flush: true })
  multi.send({ close_socket: true })
  expect((await multi.closed).code).toBe(1000)
  for (const text of Object.values(M)) count('eleven_turbo_v2_5', text.length, text.length)

  // /v1/stream: sentences as they complete.
  const W = ['Our own protocol counts too.', 'Under the model tts-edge.']
  const own = ws('/v1/stream', { authorization: `Bearer ${KEY_A}` })
  await own.opened
  own.send({ type: 'start', voice: 'en-us-f1' })
  own.send({ type: 'text', text: `${W.join(' ')} ` })
  own.send({ type: 'close' })
  await own.next(isJson((j) => j.type === 'end'))
  for (const s of W) count('tts-edge', s.length, s.length)

  // A socket hung up mid-answer bills the sentences its engine was sent: whole sentences, from the first.
  const H = Array.from({ length: 8 }, (_, i) => `Hung up sentence ${i + 1} is long enough to take the engine a while to say.`)
  const hangup = ws('/v1/text-to-speech/en-us-f1/stream-input?model_id=eleven_v3&output_format=pcm_16000&auto_mode=true', { 'xi-api-key': KEY_A })
  await hangup.opened
  hangup.send({ text: ' ' })
  hangup.send({ text: `${H.join(' ')} `, try_trigger_generation: true })
  await hangup.next((m) => m.kind === 'text' && typeof m.json?.audio === 'string')
  hangup.socket.close()
  await svc.waitForLog((l) => l.msg === 'session ended' && l.close_code !== 1000 && l.key_id === 'team-a')

  // One request with a TTS_API_KEYS key: counted under its derived id.
  const legacy = new OpenAI({ apiKey: LEGACY, baseURL: `${svc.url}/v1`, maxRetries: 0 })
  const L = 'Keys from TTS_API_KEYS get an id of their own.'
  await (await legacy.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: L }).asResponse()).arrayBuffer()

  // OpenAI's usage endpoint, with the admin key, grouped by key and model.
  const admin = new OpenAI({ apiKey: 'unused', adminAPIKey: ADMIN, baseURL: `${svc.url}/v1`, maxRetries: 0 })
  const today = Math.floor(Date.now() / 1000 / DAY_S) * DAY_S
  type Result = { api_key_id: string | null; model: string | null; characters: number; num_model_requests: number; billed_characters?: number }
  let results: Result[] = []
  const read = async () => {
    const page = await admin.admin.organization.usage.audioSpeeches({ start_time: today, group_by: ['api_key_id', 'model'] })
    results = page.data.flatMap((b) => b.results as Result[])
    return results
  }
  const hungUp = () => results.find((r) => r.api_key_id === 'team-a' && r.model === 'eleven_v3')
  // The hang-ups are recorded when the server notices them: wait for both to land, then compare exactly.
  await waitUntil(async () => {
    await read()
    const tts1 = results.find((r) => r.api_key_id === 'team-a' && r.model === 'tts-1')
    return tts1?.characters === expected.get('tts-1')!.requested && hungUp() !== undefined && results.some((r) => r.api_key_id === keyId(LEGACY))
  }, 30_000, 'every request to be counted').catch((err: Error) => {
    throw new Error(`${err.message}: expected ${JSON.stringify([...expected])}, have ${JSON.stringify(results)}`)
  })
  for (const [model, want] of expected) {
    const got = results.find((r) => r.api_key_id === 'team-a' && r.model === model)
    expect({ model, characters: got?.characters, requests: got?.num_model_requests, billed: got?.billed_characters }).toEqual({
      model,
      characters: want.requested,
      requests: want.requests,
      billed: want.billed,
    })
  }
  // The hung-up socket: a prefix of whole sentences, at least the first.
  const lengths = H.map((s) => s.length)
  const prefixes = lengths.map((_, i) => lengths.slice(0, i + 1).reduce((a, b) => a + b, 0))
  expect(prefixes).toContain(hungUp()!.characters)
  expect(hungUp()!.billed_characters).toBe(hungUp()!.characters)
  expect(results.find((r) => r.api_key_id === keyId(LEGACY))).toMatchObject({ model: 'tts-1', characters: L.length, num_model_requests: 1 })

  // ElevenLabs' subscription: the calling key's month.
  const total = results.filter((r) => r.api_key_id === 'team-a').reduce((n, r) => n + r.characters, 0)
  const subscription = await eleven.user.subscription.get()
  expect(subscription.characterCount).toBe(total)
  const now = new Date()
  expect(subscription.nextCharacterCountResetUnix).toBe(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) / 1000)
  // ElevenLabs' character stats, by model, for today.
  const stats = await eleven.usage.get({ startUnix: today * 1000, endUnix: Date.now(), breakdownType: 'model', metric: 'tts_characters' })
  expect(stats.time).toEqual([today * 1000])
  for (const [model, want] of expected) expect(stats.usage[model]).toEqual([want.requested])

  // Metrics: billed and not, per key and engine; what the cache saved.
  const billed = results.filter((r) => r.api_key_id === 'team-a').reduce((n, r) => n + (r.billed_characters ?? 0), 0)
  await waitUntil(async () => (await metricValue(svc.url, 'tts_characters_total{key="team-a",engine="espeak",billed="true"}')) === billed, 10_000, 'the metrics to catch up')
  expect(await metricValue(svc.url, 'tts_characters_total{key="team-a",engine="espeak",billed="false"}')).toBe(total - billed)

  // The key's id in logs and spans; the key itself nowhere.
  await receiver.waitFor((r) => r.spans.some((s) => s.attributes['tts.key.id'] === 'team-a'))
  expect(svc.logs.some((l) => l.key_id === 'team-a')).toBe(true)
  const metrics = await (await fetch(`${svc.url}/metrics`)).text()
  for (const text of [svc.output(), metrics, JSON.stringify(receiver.spans), JSON.stringify(receiver.logs)]) {
    for (const secret of [KEY_A, LEGACY, ADMIN]) expect(text).not.toContain(secret)
  }
}, 180_000)

test('usage routes answer in each API shape: who may read what, and bad queries', async () => {
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${svc.url}${path}`, { headers })
  // Organization usage needs the admin key; a speech key is not one.
  const notAdmin = await get('/v1/organization/usage/audio_speeches?start_time=0', { authorization: `Bearer ${KEY_A}` })
  expect(notAdmin.status).toBe(401)
  expect((await notAdmin.json()).error.code).toBe('invalid_api_key')
  const hourly = await get('/v1/organization/usage/audio_speeches?start_time=0&bucket_width=1h', { authorization: `Bearer ${ADMIN}` })
  expect(hourly.status).toBe(400)
  expect((await hourly.json()).error.message).toContain('1d')
  // Paging: a week of buckets per page, the cursor picks up where it stopped.
  const start = Math.floor(Date.now() / 1000 / DAY_S) * DAY_S - 9 * DAY_S
  const first = await (await get(`/v1/organization/usage/audio_speeches?start_time=${start}&limit=7`, { authorization: `Bearer ${ADMIN}` })).json()
  expect(first.data).toHaveLength(7)
  expect(first.has_more).toBe(true)
  const second = await (await get(`/v1/organization/usage/audio_speeches?start_time=${start}&limit=7&page=${first.next_page}`, { authorization: `Bearer ${ADMIN}` })).json()
  expect(second.data[0].start_time).toBe(start + 7 * DAY_S)
  expect(second.has_more).toBe(false)
  // ElevenLabs: a key, never another's; hours are not kept; no key at all is a 401 in its shape.
  const workspace = await get(`/v1/usage/character-stats?start_unix=${Date.now() - 86_400_000}&end_unix=${Date.now()}&include_workspace_metrics=true`, { 'xi-api-key': KEY_A })
  expect(workspace.status).toBe(403)
  const hours = await get(`/v1/usage/character-stats?start_unix=0&end_unix=1&aggregation_interval=hour`, { 'xi-api-key': KEY_A })
  expect(hours.status).toBe(422)
  const anonymous = await get('/v1/user/subscription')
  expect(anonymous.status).toBe(401)
  expect((await anonymous.json()).detail.status).toBe('invalid_api_key')
  const bad = await get('/v1/usage/character-stats?start_unix=soon', { 'xi-api-key': KEY_A })
  expect(bad.status).toBe(422)
  expect(Array.isArray((await bad.json()).detail)).toBe(true)
})
