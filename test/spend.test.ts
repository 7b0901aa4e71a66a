/**
 * What a key spends, in money and on which engines (issue #18): a real service with an
 * engines file (a priced embedded engine, and an OpenAI-compatible upstream that is the
 * service itself) and a keys file. A currency budget refuses the request whose synthesis
 * would pass it; cost and audio seconds read back exactly through the usage APIs and the
 * metrics; a request that fails before audio costs nothing; every response says what it billed;
 * a key limited to some engines or voices cannot speak with, list or look up others.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { keysFile, newKey } from './support/keys-file.ts'
import { metricValue } from './support/metrics.ts'
import { startService, type RunningService } from './support/service.ts'
import { freePort, waitUntil } from './support/wait.ts'

// Prices and budgets a binary fraction can hold exactly: $0.50 a character, $20 a month.
const PRICE = 500_000
const USD_BUDGET = 20
const SPENDER = newKey('spender')
const GATEWAY = newKey('gateway')
const LOCAL_ONLY = newKey('local-only')
const GB_ONLY = newKey('gb-only')
const FAILING = newKey('failing')
const HEADERS = newKey('headers')
const ADMIN = newKey('admin')
const DAY_S = 86_400

let svc: RunningService
beforeAll(async () => {
  const port = await freePort()
  // An upstream nobody listens on: its requests fail before any audio.
  const nobody = await freePort()
  const engines = join(mkdtempSync(join(tmpdir(), 'tts-spend-engines-')), 'engines.json')
  writeFileSync(
    engines,
    JSON.stringify({
      engines: {
        local: { kind: 'espeak', price_per_million_characters: PRICE },
        up: { kind: 'openai', url: `http://127.0.0.1:${port}/v1`, api_key_env: 'UPSTREAM_KEY' },
        down: { kind: 'openai', url: `http://127.0.0.1:${nobody}/v1`, api_key_env: 'UPSTREAM_KEY' },
      },
      default: 'local',
    }),
  )
  const keys = keysFile([
    { id: 'spender', key: SPENDER, budget: { usd_per_month: USD_BUDGET } },
    { id: 'gateway', key: GATEWAY },
    { id: 'local-only', key: LOCAL_ONLY, engines: ['local'] },
    { id: 'gb-only', key: GB_ONLY, voices: ['local:en-gb'] },
    { id: 'failing', key: FAILING, budget: { characters_per_month: 40 } },
    { id: 'headers', key: HEADERS },
  ])
  svc = await startService({
    PORT: String(port),
    TTS_ENGINES_FILE: engines,
    TTS_KEYS_FILE: keys.path,
    TTS_ADMIN_KEY: ADMIN,
    UPSTREAM_KEY: GATEWAY,
  })
})
afterAll(async () => {
  await svc?.stop()
})

/** A sentence of exactly `n` characters. */
const text = (n: number, tag: string) => `${tag} ${'a'.repeat(Math.max(0, n - tag.length - 2))}.`.slice(0, n)
const speech = (key: string, input: string, voice = 'alloy') =>
  fetch(`${svc.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice, input, response_format: 'pcm' }),
  })
const get = (path: string, key?: string) => fetch(`${svc.url}${path}`, { headers: key ? { 'xi-api-key': key } : {} })

describe('a currency budget', () => {
  test('refuses the miss that would pass it; cost and audio seconds read back exactly', async () => {
    // OpenAI's pcm: 24 kHz, 16-bit mono.
    let audioSeconds = 0
    const spend = async (input: string) => {
      const res = await speech(SPENDER, input)
      if (res.status !== 200) return res
      audioSeconds += (await res.arrayBuffer()).byteLength / 2 / 24_000
      return res
    }
    const first = text(16, 'first')
    const miss = await spend(first)
    expect(miss.status).toBe(200)
    expect(miss.headers.get('character-cost')).toBe('16')
    // The same text again costs nothing once it is served without synthesis.
    await waitUntil(async () => (await spend(first)).headers.get('x-cache') === 'HIT', 15_000, 'a cache hit')
    // $8 spent: 24 more characters are exactly the $12 left.
    expect((await spend(text(24, 'second'))).status).toBe(200)
    // Nothing left: one more character would cost $0.50.
    const over = await spend('A')
    expect(over.status).toBe(429)
    expect((await over.json()).error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' })
    const eleven = new ElevenLabsClient({ baseUrl: svc.url, apiKey: SPENDER, maxRetries: 0 })
    const refused = await eleven.textToSpeech.convert('en-us-f1', { text: 'A' }).then(
      () => undefined,
      (e: unknown) => e as ElevenLabsError & { body: any },
    )
    expect(refused).toBeInstanceOf(ElevenLabsError)
    expect(refused!.statusCode).toBe(401)
    expect(refused!.body.detail.status).toBe('quota_exceeded')

    // The key's month, ElevenLabs' shape with ours beside it.
    const subscription = (await (await get('/v1/user/subscription', SPENDER)).json()) as { tts_edge: { usd_this_month: number; usd_limit: number } }
    expect(subscription.tts_edge).toMatchObject({ usd_this_month: USD_BUDGET, usd_limit: USD_BUDGET })
    // OpenAI's usage page: cost and audio seconds of what was served.
    const start = Math.floor(Date.now() / 1000 / DAY_S) * DAY_S
    const page = await (
      await fetch(`${svc.url}/v1/organization/usage/audio_speeches?start_time=${start}&group_by=api_key_id&api_key_ids=spender`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).json()
    const result = page.data[0].results[0]
    expect(result).toMatchObject({ api_key_id: 'spender', billed_characters: 40, cost_usd: USD_BUDGET })
    expect(result.audio_seconds).toBeCloseTo(audioSeconds, 3)
    // ElevenLabs' spend in fiat units, per day.
    const fiat = await (await get(`/v1/usage/character-stats?start_unix=${start * 1000}&end_unix=${Date.now()}&metric=fiat_units_spent`, SPENDER)).json()
    expect(fiat.usage.All).toEqual([USD_BUDGET])
    expect(await metricValue(svc.url, 'tts_cost_total{key="spender",engine="local"}')).toBe(USD_BUDGET)
    // What the 80% alert watches: the budget is used up.
    expect(await metricValue(svc.url, 'tts_key_budget_used_ratio{key="spender",budget="usd"}')).toBe(1)
  }, 60_000)
})

/** Today's usage of one key, from OpenAI's usage API. */
async function usageOf(keyId: string) {
  const start = Math.floor(Date.now() / 1000 / DAY_S) * DAY_S
  const res = await fetch(`${svc.url}/v1/organization/usage/audio_speeches?start_time=${start}&group_by=api_key_id&api_key_ids=${keyId}`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  })
  return ((await res.json()) as { data: { results: { characters: number; billed_characters: number; num_model_requests: number }[] }[] }).data[0]!.results[0]
}

describe('a request that fails before audio', () => {
  test('records nothing and gives back what it held of the budget', async () => {
    // 40 characters a month: the 30 of a failed request must not stand in the way of the next 30.
    const failed = await speech(FAILING, text(30, 'down'), 'down:alloy')
    expect(failed.status).toBe(503)
    expect(failed.headers.get('character-cost')).toBeNull()
    expect((await speech(FAILING, text(30, 'spoken'), 'en-us-f1')).status).toBe(200)
    await waitUntil(async () => (await usageOf('failing')) !== undefined, 15_000, 'the spoken request to be counted')
    expect(await usageOf('failing')).toMatchObject({ characters: 30, billed_characters: 30, num_model_requests: 1 })
  })
})

describe('character-cost', () => {
  test('every speech response says what it billed: the text on a synthesis, 0 from the cache', async () => {
    const post = (path: string, body: object) =>
      fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'xi-api-key': HEADERS, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    let unbilled = 0
    const cost = async (res: Response) => {
      expect(res.status).toBe(200)
      await res.arrayBuffer()
      if (res.headers.get('character-cost') === '0') unbilled++
      return { cost: res.headers.get('character-cost'), cache: res.headers.get('x-cache') }
    }
    // Reading usage flushes the ledger, and with it the usage metrics.
    const saved = async () => (await usageOf('headers'), await metricValue(svc.url, 'tts_cache_saved_characters_total{engine="local"}'))
    const savedBefore = await saved()
    const A = 'Said once, then served from the cache.'
    expect(await cost(await post('/v1/text-to-speech/en-us-f1?output_format=pcm_16000', { text: A }))).toEqual({ cost: String(A.length), cache: 'MISS' })
    await waitUntil(async () => (await cost(await post('/v1/text-to-speech/en-us-f1/stream?output_format=pcm_16000', { text: A }))).cache === 'HIT', 15_000, 'a cache hit')
    expect(await cost(await post('/v1/text-to-speech/en-us-f1/stream?output_format=pcm_16000', { text: A }))).toEqual({ cost: '0', cache: 'HIT' })
    // Every request served without synthesis saved its characters, counted per engine.
    expect(unbilled).toBeGreaterThanOrEqual(2)
    expect((await saved()) - savedBefore).toBe(unbilled * A.length)
    const B = 'With timestamps, the header is the same.'
    expect((await cost(await post('/v1/text-to-speech/en-us-f1/with-timestamps', { text: B }))).cost).toBe(String(B.length))
    const C = 'Server-sent events carry it as well.'
    const sse = await fetch(`${svc.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { authorization: `Bearer ${HEADERS}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: C, stream_format: 'sse' }),
    })
    expect((await cost(sse)).cost).toBe(String(C.length))
  })
})

describe('engines and voices a key may use', () => {
  test('an engine outside the key is a 403 to speak with, and hidden from its voice list and lookups', async () => {
    const refused = await speech(LOCAL_ONLY, 'Not through the upstream.', 'up:en-us-f1')
    expect(refused.status).toBe(403)
    expect((await refused.json()).error).toMatchObject({ code: 'voice_not_allowed', param: 'voice' })
    const allowed = await speech(LOCAL_ONLY, 'The embedded engine is fine.', 'en-us-f1')
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('x-tts-engine')).toBe('local')

    const ids = async (key?: string) => ((await (await get('/v1/voices', key)).json()) as { voices: { voice_id: string }[] }).voices.map((v) => v.voice_id)
    const everyone = await ids()
    expect(everyone.some((id) => id.startsWith('up:'))).toBe(true)
    const mine = await ids(LOCAL_ONLY)
    expect(mine.length).toBeGreaterThan(0)
    expect(mine.some((id) => id.startsWith('up:'))).toBe(false)
    expect(mine).toEqual(everyone.filter((id) => id.startsWith('local:')))
    const hidden = await get('/v1/voices/up:en-us-f1', LOCAL_ONLY)
    expect(hidden.status).toBe(404)
    expect((await hidden.json()).detail.status).toBe('voice_not_found')
    expect((await get('/v1/voices/up:en-us-f1')).status).toBe(200)
  })

  test('voice prefixes: the SDK lists and gets only the voices the key may use', async () => {
    const eleven = new ElevenLabsClient({ baseUrl: svc.url, apiKey: GB_ONLY, maxRetries: 0 })
    const { voices } = await eleven.voices.getAll()
    expect(voices.length).toBeGreaterThan(0)
    // With an engines file every voice id names its engine, and so do the prefixes.
    expect(voices.every((v) => v.voiceId.startsWith('local:en-gb'))).toBe(true)
    expect((await eleven.voices.get('local:en-gb-m1')).voiceId).toBe('local:en-gb-m1')
    const err = await eleven.voices.get('local:en-us-f1').then(
      () => undefined,
      (e: unknown) => e as ElevenLabsError,
    )
    expect(err?.statusCode).toBe(404)
    // An unknown key on the public list is no error: it sees the whole catalogue, as without keys.
    expect((await get('/v1/voices', 'not-a-key-in-force')).status).toBe(200)
  })
})
