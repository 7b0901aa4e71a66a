/**
 * No retention on request, against a real gateway with every cache tier (memory, the
 * filesystem directory, a real redis-server) and a recording upstream standing for
 * ElevenLabs: `enable_logging=false` and `Cache-Control: no-store` keep the audio out of
 * every tier and the text out of the logs (even with TTS_LOG_TEXT on), and an ElevenLabs
 * upstream is told `enable_logging=false`; TTS_CACHE_SKIP_PATTERN does the same server-wide.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js'
import { RedisClient } from 'bun'
import OpenAI from 'openai'
import { storedEntries } from './support/cache-entries.ts'
import { startGateway } from './support/gateway.ts'
import { startRecordingUpstream, type RecordingUpstream } from './support/recording-upstream.ts'
import { startRedisServer, type RedisServer } from './support/redis-server.ts'
import type { RunningService } from './support/service.ts'
import { waitUntil } from './support/wait.ts'
import { isJson, WsClient } from './support/ws-client.ts'

let upstream: RecordingUpstream
let redis: RedisServer
let redisClient: RedisClient
let gateway: RunningService
let eleven: ElevenLabsClient
let openai: OpenAI
const cacheDir = mkdtempSync(join(tmpdir(), 'tts-no-retention-'))

beforeAll(async () => {
  upstream = startRecordingUpstream()
  redis = await startRedisServer()
  redisClient = new RedisClient(redis.url)
  gateway = await startGateway(
    { engines: { eleven: { kind: 'elevenlabs', url: upstream.url }, local: { kind: 'espeak' } }, default: 'local' },
    { TTS_REDIS_URL: redis.url, TTS_CACHE_DIR: cacheDir, TTS_LOG_TEXT: 'true', TTS_CACHE_SKIP_PATTERN: '\\d{6,}' },
  )
  eleven = new ElevenLabsClient({ baseUrl: gateway.url, apiKey: 'unused', maxRetries: 0 })
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 })
}, 60_000)

afterAll(async () => {
  redisClient?.close()
  await gateway?.stop()
  await redis?.stop()
  upstream?.stop()
})

const redisKeys = async () => ((await redisClient.send('KEYS', ['tts:audio:*'])) as string[]).length
// Letters only: a run of digits would match the skip pattern this gateway runs with.
const unique = () => Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => String.fromCharCode(97 + (b % 26))).join('')
/** The entries on disk and in Redis. */
const stored = async () => ({ disk: storedEntries(cacheDir), redis: await redisKeys() })

/**
 * Asks an ordinary request (a canary) and waits for its store to land on disk and in Redis: by
 * then anything stored before it has landed too, and the tiers must hold exactly `kept` more
 * entries than `before`, the canary's included.
 */
async function expectStored(before: { disk: number; redis: number }, kept: number) {
  const res = await fetch(`${gateway.url}/v1/text-to-speech/local:en-us-m1?output_format=pcm_16000`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `Canary ${unique()}.` }) })
  await res.arrayBuffer()
  const want = { disk: before.disk + kept + 1, redis: before.redis + kept + 1 }
  await waitUntil(async () => {
    const now = await stored()
    return now.disk >= want.disk && now.redis >= want.redis
  }, 10_000, `the canary to be stored (want ${JSON.stringify(want)}, have ${JSON.stringify(await stored())})`)
  expect(await stored()).toEqual(want)
}

async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  let n = 0
  for await (const part of stream as unknown as AsyncIterable<Uint8Array>) n += part.byteLength
  return n
}

/** The request's summary line, by the request id the response named. */
const lineOf = (requestId: string) => gateway.waitForLog((l) => l.request_id === requestId && l.msg === 'request completed')

/** A request that keeps nothing was cached nowhere: the same text, asked normally, is a miss and reaches the upstream. */
async function cachedNowhere(voice: string, text: string) {
  const before = upstream.matching(/text-to-speech/).length
  const res = await fetch(`${gateway.url}/v1/text-to-speech/${voice}?output_format=pcm_16000`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) })
  await res.arrayBuffer()
  expect(res.headers.get('x-cache')).toBe('MISS')
  if (voice.startsWith('eleven:')) expect(upstream.matching(/text-to-speech/).length).toBe(before + 1)
}

describe('enable_logging=false', () => {
  test('through the ElevenLabs SDK: the upstream is told, no tier stores the audio, the log keeps no text', async () => {
    const text = `Keep nothing of this ${unique()}.`
    const before = await stored()
    const { data, rawResponse } = await eleven.textToSpeech.convert('eleven:af_bella', { text, enableLogging: false, outputFormat: 'pcm_16000' }).withRawResponse()
    expect(await drain(data)).toBeGreaterThan(0)
    expect(rawResponse.headers.get('x-cache')).toBe('MISS')
    const call = upstream.matching(/text-to-speech/).find((r) => r.body?.text === text)!
    expect(call.query.enable_logging).toBe('false')
    const line = await lineOf(rawResponse.headers.get('x-request-id')!)
    expect(line).toMatchObject({ retention: 'none', retention_by: 'client', text_chars: text.length })
    expect(line).not.toHaveProperty('spoken_text')
    expect(line).not.toHaveProperty('text_hash')
    expect(gateway.output()).not.toContain(text)
    // Asked again the ordinary way: nothing was kept in memory, on disk or in Redis (that one is kept).
    await cachedNowhere('eleven:af_bella', text)
    await expectStored(before, 1)
  })

  test('an ordinary request to the same upstream is stored in every tier (the counting above is real)', async () => {
    const text = `Keep this one ${unique()}.`
    const before = await stored()
    const first = await fetch(`${gateway.url}/v1/text-to-speech/eleven:af_sky?output_format=pcm_16000`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) })
    await first.arrayBuffer()
    const again = await fetch(`${gateway.url}/v1/text-to-speech/eleven:af_sky?output_format=pcm_16000`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) })
    await again.arrayBuffer()
    expect(again.headers.get('x-cache')).toBe('HIT')
    expect(upstream.matching(/text-to-speech/).filter((r) => r.body?.text === text)[0]!.query).not.toHaveProperty('enable_logging')
    await expectStored(before, 1)
  })

  test('on stream-input: the upstream link is opened with enable_logging=false and nothing is stored', async () => {
    const before = await stored()
    const text = `Streamed and forgotten ${unique()}. `
    const client = new WsClient(`${gateway.url.replace(/^http/, 'ws')}/v1/text-to-speech/eleven:af_bella/stream-input?output_format=pcm_16000&enable_logging=false`)
    await client.opened
    client.send({ text: ' ' })
    client.send({ text, flush: true })
    client.send({ text: '' })
    await client.next(isJson((j) => j.isFinal === true))
    const link = upstream.matching(/stream-input$/).find((r) => r.messages.some((m) => m.text === text))!
    expect(link.query.enable_logging).toBe('false')
    await gateway.waitForLog((l) => l.msg === 'session settings' && l.retention === 'none')
    await cachedNowhere('eleven:af_bella', text.trim())
    await expectStored(before, 1)
  })
})

test('/v1/stream?enable_logging=false: the session keeps nothing', async () => {
  const before = await stored()
  const text = `Our own protocol forgets too ${unique()}. `
  const client = new WsClient(`${gateway.url.replace(/^http/, 'ws')}/v1/stream?enable_logging=false`)
  await client.opened
  client.send({ type: 'start', voice: 'local:en-us-f1', format: 'pcm', sample_rate: 16000 })
  client.send({ type: 'text', text })
  client.send({ type: 'close' })
  await client.next(isJson((j) => j.type === 'end'))
  const started = client.json().find((m) => m.type === 'started')
  const line = await gateway.waitForLog((l) => l.msg === 'session settings' && l.request_id === started.request_id)
  expect(line.retention).toBe('none')
  await expectStored(before, 0)
})

describe('Cache-Control: no-store', () => {
  test('on the OpenAI route with the embedded engine: nothing stored, no text logged', async () => {
    const input = `Not for the cache ${unique()}.`
    const before = await stored()
    const { data, response } = await openai.audio.speech.create({ model: 'tts-1', voice: 'local:en-us-f1', input, response_format: 'pcm' }, { headers: { 'cache-control': 'no-store' } }).withResponse()
    expect((await data.arrayBuffer()).byteLength).toBeGreaterThan(0)
    const line = await lineOf(response.headers.get('x-request-id')!)
    expect(line).toMatchObject({ retention: 'none' })
    expect(gateway.output()).not.toContain(input)
    const again = await openai.audio.speech.create({ model: 'tts-1', voice: 'local:en-us-f1', input, response_format: 'pcm' }, { headers: { 'cache-control': 'no-store' } }).withResponse()
    await again.data.arrayBuffer()
    expect(again.response.headers.get('x-cache')).toBe('MISS')
    await expectStored(before, 0)
  })
})

describe('TTS_CACHE_SKIP_PATTERN', () => {
  test('a matching text is never cached nor logged, and the upstream is not asked for zero retention', async () => {
    const text = `Call me on 0171 5550123 ${unique()}.`
    const before = await stored()
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${gateway.url}/v1/text-to-speech/eleven:am_adam?output_format=pcm_16000`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) })
      await res.arrayBuffer()
      expect(res.headers.get('x-cache')).toBe('MISS')
      expect(await lineOf(res.headers.get('x-request-id')!)).toMatchObject({ retention: 'none', retention_by: 'skip_pattern' })
    }
    const calls = upstream.matching(/text-to-speech/).filter((r) => r.body?.text === text)
    expect(calls).toHaveLength(2)
    expect(calls[0]!.query).not.toHaveProperty('enable_logging')
    expect(gateway.output()).not.toContain('5550123')
    await expectStored(before, 0)
  })

  test('a pattern that is not a regular expression stops the start, naming it', async () => {
    const { loadConfig, ConfigError } = await import('../src/config.ts')
    expect(() => loadConfig({ TTS_CACHE_SKIP_PATTERN: '(unclosed' })).toThrow(ConfigError)
    expect(() => loadConfig({ TTS_CACHE_SKIP_PATTERN: '(unclosed' })).toThrow(/TTS_CACHE_SKIP_PATTERN.*not a valid regular expression/)
  })
})
